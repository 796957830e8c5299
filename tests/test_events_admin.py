"""The audit trail in the admin is read-only, filterable and searchable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from django_apiauth.events import EventType, record_event
from django_apiauth.models import AuthEvent

pytestmark = pytest.mark.django_db
URL = "/admin/apiauth/authevent/"


@pytest.fixture
def events(user: User) -> None:
    record_event(EventType.LOGIN_SUCCEEDED, user=user)
    record_event(EventType.LOGIN_FAILED, details={"reason": "bad_password"})


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize(
    "query", ["", "?type__exact=login_failed", "?q=alice", "?q=10.0.0.1", "?created_at__year=2020"]
)
def test_changelist_with_filters_and_search(admin_client: Client, query: str) -> None:
    response = admin_client.get(URL + query)
    assert response.status_code == 200


@pytest.mark.usefixtures("events")
def test_filter_by_type_narrows_the_list(admin_client: Client) -> None:
    response = admin_client.get(URL + "?type__exact=login_failed")
    assert response.context["cl"].result_count == 1


@pytest.mark.usefixtures("events")
def test_events_cannot_be_added_changed_or_deleted(admin_client: Client) -> None:
    event = AuthEvent.objects.first()
    assert event is not None
    assert admin_client.get(URL + "add/").status_code == 403
    assert admin_client.post(f"{URL}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    detail = admin_client.get(f"{URL}{event.pk}/change/")
    assert detail.status_code == 200  # view-only
    admin_client.post(f"{URL}{event.pk}/change/", {"type": "logout"})
    event.refresh_from_db()
    assert event.type != "logout"


def test_unlock_action_takes_each_lockout_event_for_what_it_names(admin_client: Client) -> None:
    """A lockout event may name only an account (no client IP) or only a network (no account)."""
    record_event(EventType.LOCKOUT, details={"account": "hashed-account"})
    record_event(EventType.LOCKOUT, request=RequestFactory().post("/", REMOTE_ADDR="198.51.100.9"))
    record_event(EventType.LOGIN_FAILED, request=RequestFactory().post("/", REMOTE_ADDR="203.0.113.1"))
    selected = [str(pk) for pk in AuthEvent.objects.values_list("pk", flat=True)]

    response = admin_client.post(URL, {"action": "unlock", "_selected_action": selected}, follow=True)

    assert b"Unlocked 1 account(s) and 1 network(s)." in response.content
    unlocked = AuthEvent.objects.filter(type=EventType.LOCKOUT, details__action="unlock")
    assert sorted(str(event.details.get("account") or event.details.get("network")) for event in unlocked) == [
        "198.51.100.9",
        "hashed-account",
    ]
