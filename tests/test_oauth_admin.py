"""The OAuth client admin: the secret appears once, on the response itself, never in a cookie."""

from __future__ import annotations

from typing import Any

import pytest

from django_apiauth.models import OAuthClient, OAuthConsent
from django_apiauth.oauth.clients import secret_matches
from tests.support.oauth import REDIRECT, confidential, public

pytestmark = pytest.mark.django_db
ADD = "/admin/apiauth/oauthclient/add/"
CHANGELIST = "/admin/apiauth/oauthclient/"


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Admin app",
        "client_type": "confidential",
        "redirect_uris_text": REDIRECT,
        "grant_types_choice": ["authorization_code"],
        "scope": "read",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_add_shows_the_secret_once_on_the_response(admin_client: Any) -> None:
    response = admin_client.post(ADD, form())
    assert response.status_code == 200
    client = OAuthClient.objects.get()
    secret = response.context["secrets"][0]["secret"]
    assert secret_matches(client, secret)
    assert secret.encode() in response.content
    assert "no-store" in response["Cache-Control"]
    assert all(secret not in morsel.value for morsel in response.cookies.values())
    assert secret.encode() not in admin_client.get(f"{CHANGELIST}{client.pk}/change/").content


def test_add_public_client_redirects_without_secret(admin_client: Any) -> None:
    response = admin_client.post(
        ADD, form(client_type="public", redirect_uris_text="http://127.0.0.1/cb\n\nhttp://[::1]/cb")
    )
    assert response.status_code == 302
    assert OAuthClient.objects.get().redirect_uris == ["http://127.0.0.1/cb", "http://[::1]/cb"]


def test_add_refuses_an_invalid_registration(admin_client: Any) -> None:
    response = admin_client.post(ADD, form(redirect_uris_text=""))
    assert response.status_code == 200
    assert b"at least one redirect URI" in response.content
    assert not OAuthClient.objects.exists()


def test_change_keeps_the_secret(admin_client: Any) -> None:
    app = confidential()
    url = f"{CHANGELIST}{app.client.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, form(name="Renamed", redirect_uris_text=REDIRECT + "\nhttps://client.example.com/2")
    )
    assert response.status_code == 302
    client = OAuthClient.objects.get()
    assert client.name == "Renamed"
    assert len(client.redirect_uris) == 2
    assert secret_matches(client, app.secret)


def test_rotate_secret_action(admin_client: Any) -> None:
    app = confidential()
    public()
    ids = list(OAuthClient.objects.values_list("pk", flat=True))
    response = admin_client.post(CHANGELIST, {"action": "rotate_secrets", "_selected_action": ids})
    assert response.status_code == 200
    (item,) = response.context["secrets"]
    client = OAuthClient.objects.get(pk=app.client.pk)
    assert secret_matches(client, item["secret"])
    assert secret_matches(client, app.secret)  # overlap
    assert all(item["secret"] not in morsel.value for morsel in response.cookies.values())


def test_rotate_action_on_public_clients_only_says_so(admin_client: Any) -> None:
    app = public()
    response = admin_client.post(
        CHANGELIST, {"action": "rotate_secrets", "_selected_action": [app.client.pk]}, follow=True
    )
    assert b"Only confidential clients" in response.content


def test_consent_admin_is_read_only(admin_client: Any, user: Any) -> None:
    app = confidential()
    OAuthConsent.objects.create(user=user, client=app.client, scope="read")
    assert admin_client.get("/admin/apiauth/oauthconsent/").status_code == 200
    assert admin_client.get("/admin/apiauth/oauthconsent/add/").status_code == 403


def test_unticking_active_deactivates_through_the_service(admin_client: Any) -> None:
    from django_apiauth.models import AuthEvent, EventType

    app = confidential()
    response = admin_client.post(f"{CHANGELIST}{app.client.pk}/change/", form(is_active=""))
    assert response.status_code == 302
    client = OAuthClient.objects.get()
    assert not client.is_active
    assert client.tokens_revoked_at is not None
    assert AuthEvent.objects.filter(type=EventType.OAUTH_CLIENT_DEACTIVATED).count() == 1


def test_deactivate_action(admin_client: Any) -> None:
    apps = [confidential(), public()]
    data = {"action": "deactivate_selected", "_selected_action": [a.client.pk for a in apps]}
    assert admin_client.post(CHANGELIST, data).status_code == 302
    assert not OAuthClient.objects.filter(is_active=True).exists()


def test_delete_from_the_admin_revokes_the_clients_sessions(admin_client: Any, user: Any) -> None:
    from django.test import RequestFactory

    from django_apiauth.models import RefreshTokenFamily
    from django_apiauth.refresh.service import issue_family

    app = confidential()
    issue_family(user, request=RequestFactory().post("/"), client_id=app.client.client_id)
    data = {"action": "delete_selected", "_selected_action": [app.client.pk], "post": "yes"}
    assert admin_client.post(CHANGELIST, data).status_code == 302
    assert not OAuthClient.objects.exists()
    assert RefreshTokenFamily.objects.get().revoked_reason == "client_deactivated"
