"""`manage.py prune_auth_events`: retention from settings, --older-than, --dry-run, batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_apiauth.models import AuthEvent, EventType

pytestmark = pytest.mark.django_db


def _events(*ages_days: int) -> None:
    now = timezone.now()
    AuthEvent.objects.bulk_create(
        AuthEvent(type=EventType.LOGIN_FAILED, created_at=now - timedelta(days=d)) for d in ages_days
    )


def _run(*args: str) -> str:
    out = StringIO()
    call_command("prune_auth_events", *args, stdout=out)
    return out.getvalue()


def test_default_retention_comes_from_settings(apiauth: Callable[..., None]) -> None:
    _events(1, 10, 40, 100)
    apiauth(EVENT_RETENTION=timedelta(days=30))
    assert "Deleted 2 auth event(s)" in _run()
    assert AuthEvent.objects.count() == 2


def test_older_than_and_small_batches() -> None:
    _events(*([5] * 7), 1)
    assert "Deleted 7" in _run("--older-than", "2d", "--batch-size", "3")
    assert AuthEvent.objects.count() == 1


def test_dry_run_deletes_nothing() -> None:
    _events(100, 200)
    assert "Would delete 2" in _run("--dry-run")
    assert AuthEvent.objects.count() == 2


@pytest.mark.parametrize(
    "args",
    [
        ("--older-than", "soon"),
        ("--older-than", "-3d"),
        ("--older-than", "9999999d"),  # a cutoff before year 1
        ("--older-than", "999999999w"),  # beyond what a timedelta holds
        ("--batch-size", "0"),
    ],
)
def test_bad_arguments_are_clear_errors(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        _run(*args)
