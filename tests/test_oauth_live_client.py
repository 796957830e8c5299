"""A real OAuth client (Authlib's ``OAuth2Session`` with PKCE S256) against the example project served for
real on a free port, the pages driven like a browser: read the form, fill it, post it with its CSRF token."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.core.management import call_command

from tests.support.forms import forms_of

REDIRECT = "https://client.example.com/callback"


@pytest.fixture
def server(live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The live server, with its URL as the issuer (what the example project reads from APIAUTH_ISSUER)."""
    settings.APIAUTH = {**settings.APIAUTH, "JWT_ISSUER": live_server.url}
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on the loopback test server
    return str(live_server.url)


@pytest.fixture
def metadata(server: str) -> dict[str, Any]:
    response = requests.get(f"{server}/.well-known/oauth-authorization-server", timeout=10)
    assert response.status_code == 200
    return dict(response.json())


def register(*args: str) -> dict[str, str]:
    out = StringIO()
    call_command("create_oauth_client", *args, "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


def submit(browser: requests.Session, page: requests.Response, **values: str) -> requests.Response:
    """Post the page's (only) form as a browser would, with ``values`` typed in or the button chosen."""
    (form,) = forms_of(page.text)
    data = {**form.fields, **values}
    return browser.post(urljoin(page.url, form.action), data=data, allow_redirects=False, timeout=10)


def sign_in_and_consent(browser: requests.Session, url: str, username: str, password: str) -> str:
    """From the authorization URL to the redirect back to the client; returns that location."""
    first = browser.get(url, allow_redirects=False, timeout=10)
    assert first.status_code == 302
    login_page = browser.get(urljoin(url, first.headers["Location"]), timeout=10)
    assert login_page.status_code == 200
    signed_in = submit(browser, login_page, username=username, password=password)
    assert signed_in.status_code == 303
    consent = browser.get(urljoin(url, signed_in.headers["Location"]), allow_redirects=False, timeout=10)
    assert consent.status_code == 200
    assert consent.headers["Referrer-Policy"] == "no-referrer"
    back = submit(browser, consent, decision="allow")
    assert back.status_code == 303
    return str(back.headers["Location"])


@pytest.mark.django_db(transaction=True)
def test_authorization_code_flow_with_authlib(server: str, metadata: dict[str, Any], django_user_model: Any) -> None:
    password = "correct horse battery staple"
    user = django_user_model.objects.create_user(
        **{django_user_model.USERNAME_FIELD: "carol@example.com"}, password=password
    )
    registered = register(
        "--name", "Live app", "--type", "confidential", "--redirect-uri", REDIRECT,
        "--grant-type", "authorization_code", "--scopes", "read write",
    )  # fmt: skip
    session = OAuth2Session(
        registered["client_id"], registered["client_secret"], scope="read", redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )  # fmt: skip
    verifier = generate_token(64)
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    location = sign_in_and_consent(requests.Session(), url, user.get_username(), password)
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    assert query["iss"] == [metadata["issuer"]]

    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
    assert token["scope"] == "read"
    whoami = session.get(f"{server}/api/whoami/", timeout=10)
    assert whoami.status_code == 200
    assert whoami.json() == {"user": user.get_username(), "auth": "jwt", "scopes": ["read"]}

    jwks = jwt.PyJWKClient(metadata["jwks_uri"])
    key = jwks.get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], key.key, algorithms=["RS256"], audience="django-apiauth", issuer=metadata["issuer"]
    )
    assert claims["client_id"] == registered["client_id"]
    assert claims["scope"] == "read"
    assert claims["sub"] == str(user.pk)
    assert jwt.get_unverified_header(token["access_token"])["typ"] == "at+jwt"

    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    revoked = session.revoke_token(metadata["revocation_endpoint"], refreshed["refresh_token"], "refresh_token")
    assert revoked.status_code == 200
    after = requests.get(
        f"{server}/api/whoami/", headers={"Authorization": f"Bearer {refreshed['access_token']}"}, timeout=10
    )
    assert after.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_code_replay_revokes_the_tokens_over_http(
    server: str, metadata: dict[str, Any], django_user_model: Any
) -> None:
    password = "correct horse battery staple"
    user = django_user_model.objects.create_user(
        **{django_user_model.USERNAME_FIELD: "dave@example.com"}, password=password
    )
    registered = register("--name", "Replay", "--type", "public", "--redirect-uri", "http://127.0.0.1/cb",
                          "--grant-type", "authorization_code", "--scopes", "read")  # fmt: skip
    session = OAuth2Session(
        registered["client_id"], scope="read", redirect_uri="http://127.0.0.1:43210/cb",
        code_challenge_method="S256", token_endpoint_auth_method="none",
    )  # fmt: skip
    verifier = generate_token(64)
    url, _ = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    location = sign_in_and_consent(requests.Session(), url, user.get_username(), password)
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
    code = parse_qs(urlsplit(location).query)["code"][0]
    replay = requests.post(
        metadata["token_endpoint"],
        data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:43210/cb",
            "code_verifier": verifier, "client_id": registered["client_id"],
        },
        timeout=10,
    )  # fmt: skip
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert "access_token" not in replay.json()
    whoami = requests.get(
        f"{server}/api/whoami/", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
    )
    assert whoami.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_client_credentials_with_authlib(server: str, metadata: dict[str, Any]) -> None:
    registered = register("--name", "Cron", "--type", "confidential", "--grant-type", "client_credentials",
                          "--scopes", "read write")  # fmt: skip
    session = OAuth2Session(registered["client_id"], registered["client_secret"], scope="write")
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert "refresh_token" not in token
    jwks = jwt.PyJWKClient(metadata["jwks_uri"])
    key = jwks.get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], key.key, algorithms=["RS256"], audience="django-apiauth", issuer=metadata["issuer"]
    )
    assert claims["sub"] == registered["client_id"] == claims["client_id"]
    assert claims["scope"] == "write"
    # A client is not a user: the example's IsAuthenticated endpoint refuses it.
    assert session.get(f"{server}/api/whoami/", timeout=10).status_code in (401, 403)


@pytest.mark.django_db(transaction=True)
def test_metadata_document(metadata: dict[str, Any], server: str) -> None:
    assert metadata["issuer"] == server
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["response_types_supported"] == ["code"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token", "client_credentials"}
    assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert metadata[name].startswith(server + "/")
    assert requests.get(metadata["jwks_uri"], timeout=10).status_code == 200
