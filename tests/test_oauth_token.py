"""The token endpoint: every bad input gets its RFC 6749 §5.2 error (never a 500, never a token)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models import AuthEvent, AuthorizationCode, EventType, OAuthClient, RefreshTokenFamily
from django_apiauth.models.refresh import RevocationReason
from tests.support.oauth import REDIRECT, Pkce, basic, confidential, get_code, token_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def app() -> Any:
    return confidential()


@pytest.fixture
def pkce() -> Pkce:
    return Pkce()


@pytest.fixture
def code(browser: Client, app: Any, pkce: Pkce) -> str:
    return get_code(browser, app.client.client_id, pkce)


def exchange(app: Any, code: str, verifier: str | None, **extra: str) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    if verifier is not None:
        data["code_verifier"] = verifier
    data = {k: v for k, v in data.items() if v != "<omit>"}
    return token_request(Client(), data, **basic(app.client.client_id, app.secret))


def assert_error(response: Any, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    assert "access_token" not in response.json()
    assert response["Cache-Control"] == "no-store"


def test_code_exchange_works_once(app: Any, code: str, pkce: Pkce) -> None:
    assert exchange(app, code, pkce.verifier).status_code == 200


def test_replayed_code_is_refused_and_revokes_what_it_issued(app: Any, code: str, pkce: Pkce) -> None:
    first = exchange(app, code, pkce.verifier).json()
    assert_error(exchange(app, code, pkce.verifier), "invalid_grant")
    family = RefreshTokenFamily.objects.get()
    assert family.revoked_reason == RevocationReason.CODE_REUSED
    whoami = Client().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    assert whoami.status_code == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert_error(token_request(Client(), refresh, **basic(app.client.client_id, app.secret)), "invalid_grant")
    assert AuthEvent.objects.filter(type=EventType.OAUTH_CODE_REUSED).count() == 1


@pytest.mark.parametrize(
    "verifier", [None, "wrong-verifier-" + "a" * 40, "short", "x" * 129, "ü" * 50, "plain-is-not-s256"]
)
def test_wrong_or_missing_verifier_is_invalid_grant(app: Any, code: str, verifier: str | None) -> None:
    assert_error(exchange(app, code, verifier), "invalid_grant")
    assert not RefreshTokenFamily.objects.exists()


def test_the_challenge_itself_as_verifier_plain_style_is_refused(app: Any, code: str, pkce: Pkce) -> None:
    assert_error(exchange(app, code, pkce.challenge), "invalid_grant")


def test_a_failed_attempt_burns_the_code(app: Any, code: str, pkce: Pkce) -> None:
    assert_error(exchange(app, code, "w" * 43), "invalid_grant")
    assert_error(exchange(app, code, pkce.verifier), "invalid_grant")


@pytest.mark.parametrize("redirect_uri", ["<omit>", REDIRECT + "/", "https://client.example.com/other", ""])
def test_mismatched_or_missing_redirect_uri_is_invalid_grant(
    app: Any, code: str, pkce: Pkce, redirect_uri: str
) -> None:
    assert_error(exchange(app, code, pkce.verifier, redirect_uri=redirect_uri), "invalid_grant")


def test_another_clients_code_is_invalid_grant(code: str, pkce: Pkce) -> None:
    other = confidential(name="Other")
    assert_error(exchange(other, code, pkce.verifier), "invalid_grant")
    assert AuthorizationCode.objects.get().used_at is None


def test_expired_code_is_invalid_grant(app: Any, code: str, pkce: Pkce) -> None:
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert_error(exchange(app, code, pkce.verifier), "invalid_grant")


def test_code_is_valid_for_sixty_seconds(app: Any, code: str, pkce: Pkce) -> None:
    with time_machine.travel(timezone.now() + timedelta(seconds=55)):
        assert exchange(app, code, pkce.verifier).status_code == 200


@pytest.mark.parametrize("code", ["", "x", "a" * 43, "a" * 4000, "é" * 43])
def test_unknown_or_malformed_code_is_invalid_grant(app: Any, code: str) -> None:
    assert_error(exchange(app, code, "v" * 43), "invalid_grant")


def test_code_is_stored_only_as_a_hash(code: str) -> None:
    row = AuthorizationCode.objects.get()
    assert code not in json.dumps([str(v) for v in row.__dict__.values()])


def test_wrong_client_secret_is_401_invalid_client(app: Any, code: str, pkce: Pkce) -> None:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    response = token_request(Client(), data, **basic(app.client.client_id, "not-the-secret"))
    assert_error(response, "invalid_client", 401)
    assert response["WWW-Authenticate"].startswith("Basic")
    body = {**data, "client_id": app.client.client_id, "client_secret": "nope"}
    assert_error(token_request(Client(), body), "invalid_client", 401)


def test_basic_and_body_credentials_together_are_invalid_request(app: Any, code: str, pkce: Pkce) -> None:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": pkce.verifier,
        "client_secret": app.secret,
    }
    assert_error(token_request(Client(), data, **basic(app.client.client_id, app.secret)), "invalid_request")


def test_confidential_client_without_credentials_is_401(app: Any, code: str, pkce: Pkce) -> None:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": pkce.verifier,
        "client_id": app.client.client_id,
    }
    assert_error(token_request(Client(), data), "invalid_client", 401)


def test_client_secret_post_works(app: Any, code: str, pkce: Pkce) -> None:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": pkce.verifier,
        "client_id": app.client.client_id,
        "client_secret": app.secret,
    }
    assert token_request(Client(), data).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!", "Basic " + "QQ==", "Bearer abc", "Basic " + "a" * 20000, "Basic w6k6w6k="],
)
def test_malformed_basic_header_is_invalid_client(header: str) -> None:
    response = token_request(Client(), {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=header)
    assert_error(response, "invalid_client", 401)


def test_json_body_is_refused(app: Any) -> None:
    response = Client().post(
        "/auth/oauth/token/",
        {"grant_type": "client_credentials"},
        content_type="application/json",
        **basic(app.client.client_id, app.secret),
    )
    assert_error(response, "invalid_request")


def test_repeated_parameter_and_query_parameters_are_refused(app: Any) -> None:
    api = Client()
    repeated = api.post(
        "/auth/oauth/token/",
        "grant_type=client_credentials&grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        **basic(app.client.client_id, app.secret),
    )
    assert_error(repeated, "invalid_request")
    in_query = api.post(
        "/auth/oauth/token/?grant_type=client_credentials",
        "scope=read",  # a form body, so only the query is wrong
        content_type="application/x-www-form-urlencoded",
        **basic(app.client.client_id, app.secret),
    )
    assert_error(in_query, "invalid_request")
    assert "URL" in in_query.json()["error_description"]


@pytest.mark.parametrize("value", ["a\x00b", "a" * 4097])
def test_a_parameter_with_nul_or_over_the_length_bound_is_refused(app: Any, value: str) -> None:
    data = {"grant_type": "client_credentials", "scope": value}
    response = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    assert_error(response, "invalid_request")
    assert "scope parameter" in response.json()["error_description"]


def test_oversized_body_is_a_4xx(app: Any) -> None:
    response = Client().post(
        "/auth/oauth/token/",
        "scope=" + "a" * 200_000,
        content_type="application/x-www-form-urlencoded",
        **basic(app.client.client_id, app.secret),
    )
    assert 400 <= response.status_code < 500


def test_unknown_and_missing_grant_type(app: Any) -> None:
    assert_error(token_request(Client(), {"grant_type": "password"}), "unsupported_grant_type")
    missing = token_request(Client(), {"scope": "read"})  # a form body without grant_type
    assert_error(missing, "invalid_request")
    assert "grant_type" in missing.json()["error_description"]


@pytest.mark.parametrize("path", ["/auth/oauth/token/", "/auth/oauth/revoke/", "/auth/oauth/introspect/"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_other_methods_answer_a_json_405_naming_post(path: str, method: str) -> None:
    response = getattr(Client(), method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "method_not_allowed"
    assert response["Cache-Control"] == "no-store"


def test_grant_not_registered_for_the_client_is_unauthorized_client() -> None:
    app = confidential(grant_types=["client_credentials"], redirect_uris=[])
    data = {"grant_type": "authorization_code", "code": "a" * 43, "code_verifier": "v" * 43}
    assert_error(token_request(Client(), data, **basic(app.client.client_id, app.secret)), "unauthorized_client")


def test_inactive_client_is_invalid_client(app: Any) -> None:
    app.client.is_active = False
    app.client.save()
    data = {"grant_type": "client_credentials"}
    assert_error(token_request(Client(), data, **basic(app.client.client_id, app.secret)), "invalid_client", 401)


def test_refresh_rotates_within_the_family_and_detects_reuse(app: Any, code: str, pkce: Pkce) -> None:
    first = exchange(app, code, pkce.verifier).json()
    creds = basic(app.client.client_id, app.secret)
    refreshed = token_request(
        Client(), {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, **creds
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != first["refresh_token"]
    replay = token_request(Client(), {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, **creds)
    assert_error(replay, "invalid_grant")
    assert RefreshTokenFamily.objects.get().revoked_reason == RevocationReason.REUSE_DETECTED


def test_refresh_token_is_bound_to_its_client(app: Any, code: str, pkce: Pkce) -> None:
    first = exchange(app, code, pkce.verifier).json()
    other = confidential(name="Other")
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert_error(token_request(Client(), data, **basic(other.client.client_id, other.secret)), "invalid_grant")
    first_party = Client().post(
        "/auth/refresh/", {"refresh_token": first["refresh_token"]}, content_type="application/json"
    )
    assert first_party.status_code == 401
    # Neither attempt consumed the token: its own client can still use it.
    own = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    assert own.status_code == 200


def test_refresh_scope_may_narrow_but_not_widen(browser: Client, app: Any) -> None:
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce, scope="read write")
    first = exchange(app, code, pkce.verifier).json()
    creds = basic(app.client.client_id, app.secret)
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "scope": "read"}
    narrowed = token_request(Client(), data, **creds)
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "read"
    wider = {"grant_type": "refresh_token", "refresh_token": narrowed.json()["refresh_token"], "scope": "read admin"}
    assert_error(token_request(Client(), wider, **creds), "invalid_scope")


def test_refresh_drops_scopes_the_client_is_no_longer_registered_for(browser: Client, app: Any) -> None:
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce, scope="read write")
    first = exchange(app, code, pkce.verifier).json()
    assert first["scope"] == "read write"
    OAuthClient.objects.filter(pk=app.client.pk).update(scope="read")  # the operator narrows the registration
    creds = basic(app.client.client_id, app.secret)
    data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    refreshed = token_request(Client(), data, **creds)
    assert refreshed.status_code == 200
    assert refreshed.json()["scope"] == "read"
    assert verify_access_token(refreshed.json()["access_token"])["scope"] == "read"
    # Asking for it by name does not bring it back: it is within the original grant, but not the client's.
    data = {"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"], "scope": "write"}
    asked = token_request(Client(), data, **creds)
    assert asked.status_code == 200
    assert "scope" not in asked.json()
    assert "scope" not in verify_access_token(asked.json()["access_token"])


def test_client_credentials_issues_no_refresh_token(app: Any) -> None:
    response = token_request(
        Client(), {"grant_type": "client_credentials", "scope": "read"}, **basic(app.client.client_id, app.secret)
    )
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert body["scope"] == "read"


@pytest.mark.parametrize("scope", ["admin", "read admin", "unknown", 'a"b', "é", "x" * 1001, "read\twrite"])
def test_client_credentials_scope_beyond_registration_is_invalid_scope(app: Any, scope: str) -> None:
    data = {"grant_type": "client_credentials", "scope": scope}
    assert_error(token_request(Client(), data, **basic(app.client.client_id, app.secret)), "invalid_scope")


def test_public_client_cannot_send_a_secret() -> None:
    from tests.support.oauth import public

    app = public()
    data = {
        "grant_type": "authorization_code",
        "code": "a" * 43,
        "client_id": app.client.client_id,
        "client_secret": "x",
    }
    assert_error(token_request(Client(), data), "invalid_client", 401)
