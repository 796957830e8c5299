"""The registry and its grant rules, directly: who may be granted what, failing closed on anything odd."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from django_apiauth.exceptions import InvalidScope
from django_apiauth.scopes.grants import grant_for_user, narrow_grant
from django_apiauth.scopes.registry import allowed_scopes, describe, known_scopes, registry, translate_legacy_rule
from django_apiauth.scopes.rules import rule_problem, user_meets

pytestmark = pytest.mark.django_db
RULE = "tests.test_scopes_registry."


def is_carol(user: Any) -> bool:
    return user.get_username().startswith("carol")


def truthy_but_not_true(user: Any) -> Any:
    return "yes"


def broken(user: Any) -> bool:
    raise RuntimeError("boom")


def test_callable_rules_decide_and_must_return_true(make_user: Callable[..., Any]) -> None:
    carol, dave = make_user("carol"), make_user("dave")
    assert user_meets(carol, RULE + "is_carol") is True
    assert user_meets(dave, RULE + "is_carol") is False
    assert user_meets(carol, RULE + "truthy_but_not_true") is False


def test_a_failing_callable_grants_nothing_and_is_logged(user: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert user_meets(user, RULE + "broken") is False
    assert "raised; the scope is not granted" in caplog.text


@pytest.mark.parametrize("rule", ["no.such.rule", "os.sep", "nonsense"])
def test_unusable_rules_grant_nothing(user: Any, rule: str) -> None:
    assert user_meets(user, rule) is False


def test_groups(make_user: Callable[..., Any]) -> None:
    member, boss = make_user("erin"), make_user("boss", is_superuser=True, is_staff=True)
    member.groups.add(Group.objects.create(name="auditors"))
    assert user_meets(member, "group:auditors") is True
    assert user_meets(boss, "group:auditors") is False  # a group says who one is, not how much one may do
    assert user_meets(boss, "staff")
    assert user_meets(boss, "superuser")
    assert user_meets(boss, "perm:auth.view_group")


def test_nobody_without_an_active_account_meets_any_rule(user: Any) -> None:
    assert user_meets(AnonymousUser(), "anyone") is False
    assert user_meets(None, "anyone") is False
    user.is_active = False
    assert user_meets(user, "anyone") is False


def test_a_user_without_groups_meets_no_group_rule() -> None:
    class Bare:
        is_active = is_authenticated = True

    assert user_meets(Bare(), "group:x") is False


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (None, "anyone"),
        ("is_staff", "staff"),
        ("is_superuser", "superuser"),
        ("auth.view_group", "perm:auth.view_group"),
        ("staff", "staff"),
        ("group:ops", "group:ops"),
        ("perm:bad", None),
        ("what ever", None),
        (3, None),
    ],
)
def test_legacy_translation(value: Any, rule: str | None) -> None:
    assert translate_legacy_rule(value) == rule


def test_registry_merges_legacy_entries_under_current_ones(apiauth: Any) -> None:
    apiauth(
        API_KEY_SCOPES={"old": None, "both": "is_staff", "bad name": None},
        SCOPES={
            "both": {"description": "Both", "grant": "anyone"},
            "new": {"description": "New", "grant": "staff"},
            "broken": "not a dict",
            "bad name": {"grant": "anyone"},
            "typed": {"description": 1, "grant": "anyone"},
        },
    )
    found = registry()
    assert set(found) == {"old", "both", "new"}
    assert found["both"].grant == "anyone"
    assert found["old"].grant == "anyone"
    assert describe(["new", "ghost"]) == {"new": "New"}


def test_not_a_dict_is_an_empty_registry(apiauth: Any) -> None:
    apiauth(SCOPES=["read"], API_KEY_SCOPES=["read"])
    assert known_scopes() == frozenset()


def test_allowed_scopes_among_evaluates_only_the_asked(user: Any, staff_user: Any) -> None:
    assert allowed_scopes(user) == {"read", "write"}
    assert allowed_scopes(staff_user, among=["admin", "ghost"]) == {"admin"}


def test_grants_keep_order_and_narrowing_refuses_more(user: Any) -> None:
    assert grant_for_user(user, ["write", "admin", "read"]) == ("write", "read")
    assert narrow_grant(user, ["read", "write"], None) == ("read", "write")
    with pytest.raises(InvalidScope):
        narrow_grant(user, ["read"], ["write"])


def test_rule_problem_names_each_issue() -> None:
    assert rule_problem("anyone") is None
    assert "string" in str(rule_problem(5))
    assert "does not import" in str(rule_problem("os.sep"))
