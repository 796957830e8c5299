"""A verified API key is answered while another transaction holds the database's write lock: the
``last_used_at`` stamp waits for the next interval instead of turning a valid request into a 500."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.models import APIKey
from tests.support.database_locks import write_lock_held_elsewhere

pytestmark = pytest.mark.django_db(transaction=True)
WHOAMI = "/api/whoami/"


@pytest.fixture
def drf_handler(settings: Any) -> None:
    """The project's own exception handler: nothing of ours would turn a database error into JSON."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}


def test_a_key_used_while_the_database_is_busy_is_answered_and_stamped_later(
    drf_handler: None, issue_key: Callable[..., Any]
) -> None:
    issued = issue_key()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with write_lock_held_elsewhere(APIKey):
            busy = APIClient().get(WHOAMI, HTTP_X_API_KEY=issued.plaintext)
        assert busy.status_code == 200
        assert APIKey.objects.get(pk=issued.key.pk).last_used_at is None
    later = start + timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        assert APIClient().get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
    assert APIKey.objects.get(pk=issued.key.pk).last_used_at == later


def test_a_database_failure_other_than_a_busy_lock_still_propagates(issue_key: Callable[..., Any]) -> None:
    """Only lock contention is skipped: a broken database is not hidden behind a missing stamp."""
    issued = issue_key()

    def failing_writes(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("UPDATE"):
            raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(failing_writes), pytest.raises(OperationalError):
        APIClient().get(WHOAMI, HTTP_X_API_KEY=issued.plaintext)
