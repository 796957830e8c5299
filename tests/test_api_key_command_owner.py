"""``create_api_key --user`` matches the user model's USERNAME_FIELD, case-insensitively when unambiguous."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from django_apiauth.models import APIKey

pytestmark = pytest.mark.django_db


def _create(user_value: str) -> str:
    err = io.StringIO()
    call_command("create_api_key", "--user", user_value, "--name", "k", stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_exact_match(user: Any) -> None:
    _create(user.get_username())
    assert APIKey.objects.get().owner_id == user.pk


def test_case_insensitive_match_when_unambiguous(user: Any) -> None:
    _create(user.get_username().upper())
    assert APIKey.objects.get().owner_id == user.pk


def test_ambiguous_case_insensitive_match_is_refused(make_user: Callable[..., Any]) -> None:
    first = make_user("Bob")
    make_user("BOB")

    with pytest.raises(CommandError, match=r"^Several users match '[^']+' on \w+ but for case"):
        _create(first.get_username().lower())
    assert not APIKey.objects.exists()


def test_unknown_user_names_the_field(db: None) -> None:
    field = get_user_model().USERNAME_FIELD
    with pytest.raises(CommandError, match=f"No user with {field} 'ghost'"):
        _create("ghost")


def test_help_names_the_field() -> None:
    from django_apiauth.management.commands.create_api_key import Command

    text = Command().create_parser("manage.py", "create_api_key").format_help()
    assert f"USERNAME_FIELD ({get_user_model().USERNAME_FIELD})" in " ".join(text.split())
