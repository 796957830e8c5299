"""The admin shows families and their tokens read-only, never a digest, and revokes through the service."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason
from django_apiauth.refresh.revocation import is_session_revoked
from tests.support.refresh_tokens import login_pair, refresh
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/apiauth/refreshtokenfamily/"


def test_the_changelist_shows_state_and_ages(admin_client: Client, user: User) -> None:
    login_pair(APIClient())
    token = login_pair(APIClient())["refresh_token"]
    APIClient().post("/auth/logout/", {"refresh_token": token}, format="json")

    page = admin_client.get(CHANGELIST).content.decode()

    assert page.count('<td class="field-state">active</td>') == 1
    assert page.count('<td class="field-state">revoked (Logout)</td>') == 1
    assert page.count(f'<td class="field-user nowrap">{login_name("alice")}</td>') == 2


def test_the_change_page_never_shows_a_token_or_its_digest(admin_client: Client, user: User) -> None:
    pair = login_pair(APIClient())
    refresh(APIClient(), pair["refresh_token"])
    family = RefreshTokenFamily.objects.get()

    response = admin_client.get(f"{CHANGELIST}{family.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert str(family.public_id) in page
    for token in RefreshToken.objects.all():
        assert token.token_hash not in page
    assert pair["refresh_token"] not in page
    assert 'name="revoked_at"' not in page  # read-only: no form inputs for the family's state


def test_revoke_selected_revokes_through_the_service(admin_client: Client, user: User) -> None:
    pairs = [login_pair(APIClient()) for _ in range(2)]
    keep = login_pair(APIClient())
    chosen = list(RefreshTokenFamily.objects.order_by("created_at")[:2])

    response = admin_client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [f.pk for f in chosen]}, follow=True
    )

    assert "Revoked 2 session(s)." in response.content.decode()
    assert [refresh(APIClient(), p["refresh_token"]).status_code for p in pairs] == [401, 401]
    assert refresh(APIClient(), keep["refresh_token"]).status_code == 200
    assert all(is_session_revoked(f.sid) for f in chosen)
    assert set(
        RefreshTokenFamily.objects.filter(pk__in=[f.pk for f in chosen]).values_list("revoked_reason", flat=True)
    ) == {RevocationReason.ADMIN}
    event = AuthEvent.objects.get(type=EventType.SESSION_REVOKED)
    assert event.user is not None
    assert event.user.get_username() == login_name("admin")  # pytest-django's admin_user


def test_families_cannot_be_added_or_deleted_in_the_admin(admin_client: Client, user: User) -> None:
    login_pair(APIClient())
    family = RefreshTokenFamily.objects.get()

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.get(f"{CHANGELIST}{family.pk}/delete/").status_code == 403


def test_revoking_already_revoked_families_changes_nothing(admin_client: Client, user: User) -> None:
    token = login_pair(APIClient())["refresh_token"]
    APIClient().post("/auth/logout/", {"refresh_token": token}, format="json")
    family = RefreshTokenFamily.objects.get()

    response = admin_client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [family.pk]}, follow=True
    )

    assert "Revoked 0 session(s)." in response.content.decode()
    family.refresh_from_db()
    assert family.revoked_reason == RevocationReason.LOGOUT
    assert not AuthEvent.objects.filter(type=EventType.SESSION_REVOKED).exists()
