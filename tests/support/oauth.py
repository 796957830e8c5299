"""Helpers for the OAuth tests: clients, PKCE pairs, and the authorization step driven through Django's test
client (the real pages and views, with the session login)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client

from django_apiauth.oauth.clients import NewClient, create_client

REDIRECT = "https://client.example.com/callback"
LOOPBACK = "http://127.0.0.1/callback"


def confidential(**kwargs: Any) -> NewClient:
    options: dict[str, Any] = {
        "name": "Reports app",
        "client_type": "confidential",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "client_credentials"],
        "scopes": ["read", "write"],
    }
    return create_client(**{**options, **kwargs})


def public(**kwargs: Any) -> NewClient:
    options: dict[str, Any] = {
        "name": "Desktop app",
        "client_type": "public",
        "redirect_uris": [LOOPBACK],
        "grant_types": ["authorization_code"],
        "scopes": ["read"],
    }
    return create_client(**{**options, **kwargs})


@dataclass
class Pkce:
    """An independent S256 pair (hashlib, not our module)."""

    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(client_id: str, pkce: Pkce, **overrides: Any) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "read",
        "state": "xyz-state",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def authorize_url(params: dict[str, str]) -> str:
    return "/auth/oauth/authorize/?" + urlencode(params)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(browser: Client, client_id: str, pkce: Pkce, **overrides: Any) -> str:
    """Consent through the real page with a logged-in ``browser``; returns the code from the redirect."""
    params = authorize_params(client_id, pkce, **overrides)
    page = browser.get(authorize_url(params))
    if page.status_code == 302:  # remembered consent
        return query_of(page["Location"])["code"]
    assert page.status_code == 200, page.content
    response = browser.post("/auth/oauth/authorize/", consent_form(page, "allow"))
    assert response.status_code == 303, response.content
    return query_of(response["Location"])["code"]


def csrf_of(page: Any) -> str:
    """The CSRF token as a browser reads it: from the form in the HTML."""
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match is not None
    return match.group(1)


def consent_form(page: Any, decision: str) -> dict[str, str]:
    return {**page.context["fields"], "decision": decision, "csrfmiddlewaretoken": csrf_of(page)}


def token_request(api: Client, data: dict[str, str], **headers: Any) -> Any:
    return api.post("/auth/oauth/token/", urlencode(data), content_type="application/x-www-form-urlencoded", **headers)


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}
