"""Event recording at its edges: an unreadable aggregation window, non-integer user keys, odd client headers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from django_apiauth.events import AuthEventRecord, EventType, aggregation, record_event
from django_apiauth.testing import override_apiauth

pytestmark = pytest.mark.django_db


def test_an_unreadable_aggregation_window_still_records_and_says_why(caplog: pytest.LogCaptureFixture) -> None:
    """The checks report the bad setting; meanwhile a refusal is neither lost nor turned into an error."""
    with override_apiauth(EVENT_AGGREGATION_WINDOW="soon"):
        record = record_event(EventType.TOKEN_REJECTED, request=RequestFactory().get("/"), aggregate=True)
    assert record is not None
    assert record.type == EventType.TOKEN_REJECTED
    assert caplog.text.count("could not count auth event of type token_rejected") == 2


def test_a_uuid_user_key_is_logged_as_text() -> None:
    user_id = uuid.uuid4()
    record = AuthEventRecord(type="login", timestamp=timezone.now(), user_id=user_id, username="a@example.com")
    assert record.as_log_dict()["user_id"] == str(user_id)


@pytest.mark.parametrize("forwarded_for", [["1.2.3.4"], {"x": 1}])
def test_an_unhashable_forwarded_header_is_read_without_the_memo(forwarded_for: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    request.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert aggregation.flood_source_of(request) == aggregation.flood_source_of(
        RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    )
