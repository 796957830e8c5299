"""A real OAuth client (Authlib's ``OAuth2Session`` with PKCE S256) against the example project served for
real (``runserver`` in a child process on a free port), the pages driven like a browser: read the form,
fill it, post it with its CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.support.forms import forms_of
from tests.support.live_project import LiveProject, serve

REDIRECT = "https://client.example.com/callback"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveProject]:
    yield from serve(tmp_path_factory.mktemp("live-project"))


@pytest.fixture
def server(project: LiveProject, monkeypatch: pytest.MonkeyPatch) -> str:
    """The served project's URL, which is also its issuer (``APIAUTH_ISSUER``)."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on the loopback test server
    return project.url


@pytest.fixture
def metadata(server: str) -> dict[str, Any]:
    response = get(f"{server}/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    return dict(response.json())


def closing(session: requests.Session) -> requests.Session:
    """No keep-alive: every request's server thread ends with its response, never after the test's
    database teardown (a late thread would touch a connection that is no longer shared with it)."""
    return session


def get(url: str, **kwargs: Any) -> requests.Response:
    with closing(requests.Session()) as session:
        return session.get(url, timeout=10, **kwargs)


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


def test_authorization_code_flow_with_authlib(server: str, metadata: dict[str, Any], project: LiveProject) -> None:
    password = "correct horse battery staple"
    project.create_user("carol@example.com", password)
    registered = project.register_client(
        "--name", "Live app", "--type", "confidential", "--redirect-uri", REDIRECT,
        "--grant-type", "authorization_code", "--scopes", "read write",
    )  # fmt: skip
    session = closing(OAuth2Session(
        registered["client_id"], registered["client_secret"], scope="read", redirect_uri=REDIRECT,
        code_challenge_method="S256",
    ))  # fmt: skip
    verifier = generate_token(64)
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    location = sign_in_and_consent(closing(requests.Session()), url, "carol@example.com", password)
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    assert query["iss"] == [metadata["issuer"]]

    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
    assert token["scope"] == "read"
    whoami = session.get(f"{server}/api/whoami/", timeout=10)
    assert whoami.status_code == 200
    assert whoami.json()["user"] == "carol@example.com"
    assert whoami.json()["scopes"] == ["read"]

    jwks = jwt.PyJWKClient(metadata["jwks_uri"])
    key = jwks.get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], key.key, algorithms=["RS256"], audience="django-apiauth", issuer=metadata["issuer"]
    )
    assert claims["client_id"] == registered["client_id"]
    assert claims["scope"] == "read"
    assert claims["sub"]
    assert jwt.get_unverified_header(token["access_token"])["typ"] == "at+jwt"

    refreshed = session.refresh_token(metadata["token_endpoint"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    revoked = session.revoke_token(metadata["revocation_endpoint"], refreshed["refresh_token"], "refresh_token")
    assert revoked.status_code == 200
    after = get(f"{server}/api/whoami/", headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert after.status_code == 401


def test_code_replay_revokes_the_tokens_over_http(server: str, metadata: dict[str, Any], project: LiveProject) -> None:
    password = "correct horse battery staple"
    project.create_user("dave@example.com", password)
    registered = project.register_client("--name", "Replay", "--type", "public", "--redirect-uri", "http://127.0.0.1/cb",
                          "--grant-type", "authorization_code", "--scopes", "read")  # fmt: skip
    session = closing(OAuth2Session(
        registered["client_id"], scope="read", redirect_uri="http://127.0.0.1:43210/cb",
        code_challenge_method="S256", token_endpoint_auth_method="none",
    ))  # fmt: skip
    verifier = generate_token(64)
    url, _ = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier)
    location = sign_in_and_consent(closing(requests.Session()), url, "dave@example.com", password)
    token = session.fetch_token(metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
    code = parse_qs(urlsplit(location).query)["code"][0]
    replay = closing(requests.Session()).post(
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
    whoami = get(f"{server}/api/whoami/", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert whoami.status_code == 401


def test_client_credentials_with_authlib(server: str, metadata: dict[str, Any], project: LiveProject) -> None:
    registered = project.register_client(
        "--name", "Cron", "--type", "confidential", "--grant-type", "client_credentials", "--scopes", "read write"
    )
    session = closing(OAuth2Session(registered["client_id"], registered["client_secret"], scope="write"))
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
    assert get(metadata["jwks_uri"]).status_code == 200
