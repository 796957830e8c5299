"""The README's settings reference is generated from the defaults and must not drift from them."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from django_apiauth import conf, settings_reference

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_settings_reference_matches_specs() -> None:
    text = README.read_text()
    assert settings_reference.rewrite_readme(text) == text, (
        "run: .venv/bin/python -m django_apiauth.settings_reference README.md"
    )


@pytest.mark.parametrize("name", sorted(conf.SPECS))
def test_every_key_is_documented_in_readme(name: str) -> None:
    assert f"| `{name}` |" in README.read_text()


def test_readme_names_the_two_commands() -> None:
    text = README.read_text()
    assert "make demo" in text
    assert "make test" in text


def test_check_ids_are_documented() -> None:
    """Every check id used anywhere in the package appears in the README's table."""

    import django_apiauth

    documented = set(re.findall(r"apiauth\.[EW]\d{3}", README.read_text()))
    package = Path(django_apiauth.__file__).parent
    in_code = {i for f in package.rglob("*.py") for i in re.findall(r"apiauth\.[EW]\d{3}", f.read_text())}
    assert len(in_code) > 30
    assert in_code <= documented


def test_default_formatting() -> None:
    fmt = settings_reference.format_default
    assert fmt(timedelta(days=2)) == "timedelta(days=2)"
    assert fmt(timedelta(seconds=90)) == "timedelta(seconds=90)"
    assert fmt(timedelta(0)) == "timedelta(seconds=0)"
    assert fmt(timedelta(milliseconds=500)) == "timedelta(milliseconds=500)"
    assert fmt(timedelta(microseconds=1500)) == "timedelta(microseconds=1500)"
    assert fmt(timedelta(seconds=-30)) == "timedelta(seconds=-30)"
    assert fmt(["a"]) == "['a']"


_TIMEDELTA = re.compile(r"timedelta\((\w+)=(-?\d+)\)")


def _evaluate(expression: str) -> Any:
    """The value a reader gets back by pasting a default from the table."""
    match = _TIMEDELTA.fullmatch(expression)
    if match:
        return timedelta(**{match.group(1): int(match.group(2))})
    return ast.literal_eval(expression)


def _readme_defaults() -> dict[str, str]:
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| `(.*?)` \|", README.read_text(), re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize("name", sorted(conf.SPECS))
def test_every_default_in_the_readme_table_round_trips(name: str) -> None:
    """The table shows each default as an expression equal to the real default (0.5 s included)."""
    expression = _readme_defaults()[name]
    assert _evaluate(expression) == conf.SPECS[name].default
    assert type(_evaluate(expression)) is type(conf.SPECS[name].default)
