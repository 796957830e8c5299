"""The settings table of the README and of the documentation site, generated from the declarations in ``conf``.

``python -m django_apiauth.settings_reference README.md docs/settings.md`` rewrites the block between the
markers in each file; a test fails when either drifts from the declarations. Defaults are written as Python a
reader can paste into ``APIAUTH`` and get the same value back (sub-second durations included).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django_apiauth.conf import SPECS

README_START = "<!-- settings-reference:start -->"
README_END = "<!-- settings-reference:end -->"

#: Largest unit first, so ``timedelta(days=90)`` reads as written, not as 7776000 seconds.
_UNITS = (
    ("days", 86_400_000_000),
    ("hours", 3_600_000_000),
    ("minutes", 60_000_000),
    ("seconds", 1_000_000),
    ("milliseconds", 1_000),
    ("microseconds", 1),
)


def format_default(value: Any) -> str:
    """``value`` as a Python expression that evaluates back to an equal value."""
    if not isinstance(value, timedelta):
        return repr(value)
    micro = value // timedelta(microseconds=1)
    if micro == 0:
        return "timedelta(seconds=0)"
    unit, size = next((unit, size) for unit, size in _UNITS if micro % size == 0)
    return f"timedelta({unit}={micro // size})"


def _cell(text: str) -> str:
    """Markdown table cells cannot hold a bare ``|``."""
    return text.replace("|", "\\|")


def settings_reference_markdown() -> str:
    """The settings table for the README: key, default, constraint, meaning."""
    lines = ["| Key | Default | Constraint | What it does |", "| --- | --- | --- | --- |"]
    for name, spec in SPECS.items():
        default = _cell(format_default(spec.default))
        lines.append(f"| `{name}` | `{default}` | {_cell(spec.constraint_text())} | {spec.doc} |")
    return "\n".join(lines)


def rewrite_readme(text: str) -> str:
    """``text`` with the block between the README markers replaced by the current reference."""
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_START}\n{settings_reference_markdown()}\n{README_END}{tail}"


if __name__ == "__main__":  # pragma: no cover - documentation generator, run by hand
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:
        for path in map(Path, sys.argv[1:]):
            path.write_text(rewrite_readme(path.read_text()))
    else:
        print(settings_reference_markdown())
