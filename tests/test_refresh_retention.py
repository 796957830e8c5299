"""``manage.py prune_refresh_tokens``: ended families go, live ones (and their consumed tokens) stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily
from tests.support.refresh_tokens import LOGOUT, login_pair, refresh

pytestmark = pytest.mark.django_db


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_refresh_tokens", *args, stdout=out)
    return out.getvalue()


def test_ended_families_are_deleted_with_their_tokens(user: User) -> None:
    start = timezone.now()
    revoked = login_pair(APIClient())["refresh_token"]
    APIClient().post(LOGOUT, {"refresh_token": revoked}, format="json")
    login_pair(APIClient())  # expires absolutely after 30 days
    with time_machine.travel(start + timedelta(days=35)):
        live = login_pair(APIClient())["refresh_token"]
        live = refresh(APIClient(), live).json()["refresh_token"]

    with time_machine.travel(start + timedelta(days=38)):
        assert "Would delete 2 refresh-token families" in prune("--dry-run")
        assert RefreshTokenFamily.objects.count() == 3
        assert "Deleted 2 refresh-token families" in prune("--batch-size", "1")
        assert refresh(APIClient(), live).status_code == 200

    assert RefreshTokenFamily.objects.count() == 1
    assert RefreshToken.objects.count() == 3  # the live family keeps its consumed tokens for reuse detection


def test_recently_ended_families_are_kept(user: User) -> None:
    token = login_pair(APIClient())["refresh_token"]
    APIClient().post(LOGOUT, {"refresh_token": token}, format="json")

    assert "Deleted 0 refresh-token families" in prune()
    assert "Deleted 1 refresh-token family" in prune("--older-than", "0s")


@pytest.mark.parametrize(
    "args",
    [["--older-than", "soon"], ["--older-than", "9999999d"], ["--older-than", "999999999w"], ["--batch-size", "0"]],
)
def test_bad_arguments_are_command_errors(args: list[str]) -> None:
    with pytest.raises(CommandError):
        prune(*args)
