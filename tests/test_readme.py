"""The README's settings reference is generated from the defaults and must not drift from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from django_apiauth import conf

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_settings_reference_matches_specs() -> None:
    text = README.read_text()
    assert conf.rewrite_readme(text) == text, "run: .venv/bin/python -m django_apiauth.conf README.md"


@pytest.mark.parametrize("name", sorted(conf.SPECS))
def test_every_key_is_documented_in_readme(name: str) -> None:
    assert f"| `{name}` |" in README.read_text()


def test_readme_names_the_two_commands() -> None:
    text = README.read_text()
    assert "make demo" in text
    assert "make test" in text


def test_check_ids_are_documented() -> None:
    """Every check id used anywhere in the package appears in the README's table."""
    import re

    import django_apiauth

    documented = set(re.findall(r"apiauth\.[EW]\d{3}", README.read_text()))
    package = Path(django_apiauth.__file__).parent
    in_code = {i for f in package.rglob("*.py") for i in re.findall(r"apiauth\.[EW]\d{3}", f.read_text())}
    assert len(in_code) > 30
    assert in_code <= documented


def test_default_formatting() -> None:
    from datetime import timedelta

    assert conf._format_default(timedelta(days=2)) == "timedelta(days=2)"
    assert conf._format_default(timedelta(seconds=90)) == "timedelta(seconds=90)"
    assert conf._format_default(timedelta(0)) == "timedelta(seconds=0)"
    assert conf._format_default(["a"]) == "['a']"
