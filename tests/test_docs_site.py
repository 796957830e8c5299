"""The documentation site's generated and cross-checked pages agree with the code and with the README."""

from __future__ import annotations

import re
from pathlib import Path

import django_apiauth
from django_apiauth import settings_reference
from tests.test_readme_quickstart import snippets

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
_CHECK_ID = re.compile(r"apiauth\.[EW]\d{3}")
_SNIPPET = re.compile(r"<!-- readme-snippet:([\w-]+) -->\n```\w+\n(.*?)\n```", re.DOTALL)


def test_settings_page_matches_specs() -> None:
    text = (DOCS / "settings.md").read_text()
    assert settings_reference.rewrite_readme(text) == text, (
        "run: .venv/bin/python -m django_apiauth.settings_reference README.md docs/settings.md"
    )


def _ids_in_package() -> set[str]:
    package = Path(django_apiauth.__file__).parent
    return {found for path in package.rglob("*.py") for found in _CHECK_ID.findall(path.read_text())}


def test_checks_page_lists_every_check_id_with_a_fix() -> None:
    rows = re.findall(r"^\| `(apiauth\.[EW]\d{3})` \| (.+?) \| (.+?) \|$", (DOCS / "checks.md").read_text(), re.M)
    documented = {row[0] for row in rows}
    in_code = _ids_in_package()
    assert len(in_code) > 30
    assert in_code - documented == set(), "document these ids in docs/checks.md"
    assert documented - in_code == set(), "these ids are no longer used: remove them from docs/checks.md"
    assert all(meaning.strip() and fix.strip() for _, meaning, fix in rows)


def test_quick_start_page_repeats_the_readme_snippets_word_for_word() -> None:
    page = {name: body + "\n" for name, body in _SNIPPET.findall((DOCS / "quickstart.md").read_text())}
    assert page == snippets()


_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def test_relative_links_stay_inside_the_site() -> None:
    """``mkdocs build --strict`` refuses a link to a file outside docs/ (the README, bench/): catch it here too."""
    broken = []
    for page in DOCS.rglob("*.md"):
        for target in _LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (page.parent / target).resolve()
            if not resolved.is_file() or DOCS.resolve() not in resolved.parents:
                broken.append(f"{page.relative_to(DOCS)} -> {target}")
    assert broken == []
