"""Redirect URIs: exact matching; near misses are refused with a 400 page and never redirected."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_apiauth.oauth.rfc8252 import redirect_uri_matches
from tests.support.oauth import LOOPBACK, REDIRECT, Pkce, authorize_params, authorize_url, confidential, public

pytestmark = pytest.mark.django_db

NEAR_MISSES = [
    REDIRECT + "/extra",  # extra path segment
    REDIRECT + "?x=1",  # query
    REDIRECT + "#frag",  # fragment
    "https://CLIENT.example.com/callback",  # case of the host
    "https://client.example.com/Callback",  # case of the path
    "HTTPS://client.example.com/callback",  # case of the scheme
    "https://client.example.com:8443/callback",  # another port on a non-loopback host
    "https://client.example.com:443/callback",  # the default port spelled out
    "https://user@client.example.com/callback",  # userinfo
    "https://client.example.com@evil.example/callback",  # userinfo pointing elsewhere
    "http://client.example.com/callback",  # another scheme
    "https://client.example.com./callback",  # trailing dot
    "https://client.example.com/%63allback",  # percent-encoding
    "https://client.example.com/callback/",  # trailing slash
    "https://client.example.com/callback/../callback",  # dot segments
    "https://clіent.example.com/callback",  # noqa: RUF001 - IDN look-alike (Cyrillic i)
    "https://xn--clent-e0e.example.com/callback",  # its punycode
    "https://client.example.com.evil.example/callback",  # suffix
    " https://client.example.com/callback",  # leading space
    "https://client.example.com/callback\x00",  # NUL
    "https://client.example.com\\@evil.example/callback",  # backslash trick
    "//client.example.com/callback",  # scheme-relative
    "",
]


@pytest.mark.parametrize("uri", NEAR_MISSES)
def test_near_miss_is_never_accepted_nor_redirected(uri: str, user: Any) -> None:
    app = confidential()
    for browser in (Client(), logged_in(user)):
        response = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce(), redirect_uri=uri)))
        assert response.status_code == 400
        assert "Location" not in response
        assert b"redirect_uri" in response.content


def logged_in(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("uri", NEAR_MISSES)
def test_near_miss_never_matches(uri: str) -> None:
    assert not redirect_uri_matches(REDIRECT, uri, public=False)
    assert not redirect_uri_matches(REDIRECT, uri, public=True)


LOOPBACK_NEAR_MISSES = [
    "http://127.0.0.1:5000/callback/x",
    "http://127.0.0.1:5000/callback?x",
    "http://127.0.0.1:0/callback",
    "http://127.0.0.1:65536/callback",
    "http://127.0.0.1:05000/callback",
    "http://127.0.0.1:5000@evil.example/callback",
    "http://localhost:5000/callback",
    "https://127.0.0.1:5000/callback",
    "http://127.0.0.2:5000/callback",
    "http://[::1]:5000/callback",
    "http://127.0.0.1:5000/callback#x",
]


@pytest.mark.parametrize("uri", LOOPBACK_NEAR_MISSES)
def test_loopback_may_only_vary_the_port(uri: str) -> None:
    assert not redirect_uri_matches(LOOPBACK, uri, public=True)


@pytest.mark.parametrize("uri", ["http://127.0.0.1:5000/callback", "http://127.0.0.1:65535/callback", LOOPBACK])
def test_loopback_port_varies_for_public_clients_only(uri: str) -> None:
    assert redirect_uri_matches(LOOPBACK, uri, public=True)
    assert redirect_uri_matches(LOOPBACK, uri, public=False) is (uri == LOOPBACK)


def test_ipv6_loopback() -> None:
    assert redirect_uri_matches("http://[::1]/cb", "http://[::1]:8080/cb", public=True)


def test_confidential_loopback_client_may_not_vary_the_port(user: Any) -> None:
    app = confidential(redirect_uris=[LOOPBACK])
    params = authorize_params(app.client.client_id, Pkce(), redirect_uri="http://127.0.0.1:5000/callback")
    assert logged_in(user).get(authorize_url(params)).status_code == 400


def test_public_loopback_client_may(user: Any) -> None:
    app = public()
    params = authorize_params(app.client.client_id, Pkce(), redirect_uri="http://127.0.0.1:5000/callback")
    assert logged_in(user).get(authorize_url(params)).status_code == 200


@pytest.mark.parametrize("client_id", ["unknown", "", "cl_" + "x" * 100, "a\x00b"])
def test_unknown_client_gets_a_400_page(client_id: str, user: Any) -> None:
    for browser in (Client(), logged_in(user)):
        response = browser.get(authorize_url(authorize_params(client_id, Pkce())))
        assert response.status_code == 400
        assert "Location" not in response


def test_repeated_client_id_or_redirect_uri_is_a_400_page() -> None:
    app = confidential()
    url = authorize_url(authorize_params(app.client.client_id, Pkce())) + "&redirect_uri=" + REDIRECT
    assert Client().get(url).status_code == 400


def test_omitted_redirect_uri_uses_the_only_registered_one(user: Any) -> None:
    app = confidential()
    params = authorize_params(app.client.client_id, Pkce(), redirect_uri=None)
    assert logged_in(user).get(authorize_url(params)).status_code == 200
    two = confidential(redirect_uris=[REDIRECT, "https://client.example.com/two"])
    params = authorize_params(two.client.client_id, Pkce(), redirect_uri=None)
    assert logged_in(user).get(authorize_url(params)).status_code == 400
