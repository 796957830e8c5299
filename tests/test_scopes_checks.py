"""System checks of the scope registry: each id is triggered by a bad value and silent for a good one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.test import override_settings

from django_apiauth.scopes import checks as scope_checks

SCOPE_IDS = {"apiauth.E080", "apiauth.E081", "apiauth.E082", "apiauth.E083", "apiauth.W080", "apiauth.W081"}
GOOD = {"read": {"description": "Read", "grant": "anyone"}, "reports:read": {"description": "R", "grant": "staff"}}


def always(user: Any) -> bool:
    return True


def _ids(apiauth: dict[str, Any], urlconf: str = "django_apiauth.urls") -> set[str]:
    with override_settings(APIAUTH=apiauth, ROOT_URLCONF=urlconf):
        return {m.id for m in checks.run_checks(tags=["apiauth"]) if m.id}


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ({"bad name": {"description": "", "grant": "anyone"}}, "apiauth.E080"),
        ({5: {"description": "", "grant": "anyone"}}, "apiauth.E080"),
        ({"read": "anyone"}, "apiauth.E080"),
        ({"read": {"description": "no rule"}}, "apiauth.E080"),
        ({"read": {"description": 3, "grant": "anyone"}}, "apiauth.E080"),
        ({"read": {"description": "", "grant": "everyone"}}, "apiauth.E081"),
        ({"read": {"description": "", "grant": "perm:nodot"}}, "apiauth.E081"),
        ({"read": {"description": "", "grant": "group:"}}, "apiauth.E081"),
        ({"read": {"description": "", "grant": "no.such.module.rule"}}, "apiauth.E081"),
        ({"read": {"description": "", "grant": "os.sep"}}, "apiauth.E081"),
        ({"read": {"description": "", "grant": None}}, "apiauth.E081"),
    ],
)
def test_malformed_registry(scopes: dict[Any, Any], expected: str) -> None:
    assert expected in _ids({"SCOPES": scopes})


def test_a_good_registry_is_silent() -> None:
    rules = {
        "a": {"description": "", "grant": "anyone"},
        "b": {"description": "", "grant": "superuser"},
        "c": {"description": "", "grant": "perm:auth.view_group"},
        "d": {"description": "", "grant": "group:auditors"},
        "e": {"grant": f"{__name__}.always"},
    }
    assert not _ids({"SCOPES": rules}) & SCOPE_IDS


def test_legacy_scopes_warn_and_still_count() -> None:
    ids = _ids({"API_KEY_SCOPES": {"read": None}, "LOGIN_SCOPES": ["read"]})
    assert "apiauth.W080" in ids
    assert "apiauth.W081" not in ids  # the translated entry is registered


@pytest.mark.parametrize(
    "apiauth",
    [
        {"API_KEY_SCOPES": {"cwd": "os.getcwd"}},  # a permission "os.getcwd" and an importable callable
        {"API_KEY_SCOPES": {"read": None}, "SCOPES": {"read": {"description": "", "grant": "staff"}}},
    ],
)
def test_ambiguous_values_are_errors(apiauth: dict[str, Any]) -> None:
    assert "apiauth.E082" in _ids(apiauth)


def test_the_same_rule_in_both_settings_is_not_ambiguous() -> None:
    ids = _ids({"API_KEY_SCOPES": {"read": None}, "SCOPES": {"read": {"description": "", "grant": "anyone"}}})
    assert "apiauth.E082" not in ids


def test_unknown_login_scope_warns() -> None:
    assert "apiauth.W081" in _ids({"SCOPES": GOOD, "LOGIN_SCOPES": ["read", "nope"]})
    assert "apiauth.W081" not in _ids({"SCOPES": GOOD, "LOGIN_SCOPES": ["read"]})


def test_url_walk_reports_unknown_required_scopes() -> None:
    assert "apiauth.E083" in _ids({"SCOPES": {"read": GOOD["read"]}}, urlconf="tests.urls")
    assert "apiauth.E083" not in _ids({"SCOPES": GOOD}, urlconf="tests.urls")


def test_url_walk_reports_a_bare_string(settings: Any) -> None:
    from tests.support.views import Reports

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Reports, "required_scopes", "reports:read")
        messages = scope_checks.check_required_scopes()
    assert [m.id for m in messages] == ["apiauth.E083"]
    assert "list of scope names" in messages[0].msg


def test_url_walk_sees_nested_includes_once() -> None:
    with override_settings(ROOT_URLCONF="tests.support.scopes_urls", APIAUTH={"SCOPES": {}}):
        found = scope_checks.check_required_scopes()
    assert len(found) == 1  # the same view routed twice, through an include, is reported once
