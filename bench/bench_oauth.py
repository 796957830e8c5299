"""OAuth token endpoint throughput, and what an OAuth access token costs a request next to a first-party one.

Both kinds of access token go through the same ``JWTAuthentication`` path, so their rows should match; a
``client_credentials`` token skips the user lookup (a client principal) but reads its revocation entry.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.test import Client

from bench.harness import Result, baseline, measure, measure_view, print_table, view_with
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.models.oauth import AuthorizationCode
from django_apiauth.oauth.clients import create_client
from django_apiauth.refresh.tokens import new_token, token_digest
from django_apiauth.testing import override_apiauth

REDIRECT = "https://client.example.com/callback"
FORM = "application/x-www-form-urlencoded"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _token(http: Client, data: dict[str, str], creds: dict[str, str]) -> dict[str, Any]:
    response = http.post("/auth/oauth/token/", urlencode(data), content_type=FORM, **creds)
    if response.status_code != 200:
        raise RuntimeError(f"token endpoint: {response.status_code} {response.content!r}")
    return dict(response.json())


def _code(client: Any, user: User, verifier: str) -> str:
    """A fresh code as the consent page would store it (the page itself is not what is measured)."""
    from datetime import timedelta

    from django.utils import timezone

    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = new_token()
    now = timezone.now()
    AuthorizationCode.objects.create(
        code_hash=token_digest(code), client=client, user=user, redirect_uri=REDIRECT, scope="read",
        code_challenge=challenge, created_at=now, expires_at=now + timedelta(seconds=60),
    )  # fmt: skip
    return code


def _endpoint_rows(user: User) -> list[Result]:
    app = create_client(
        name="bench", client_type="confidential", redirect_uris=[REDIRECT],
        grant_types=["authorization_code", "client_credentials"], scopes=["read"],
    )  # fmt: skip
    creds = _basic(app.client.client_id, app.secret)
    http = Client()
    verifier = secrets.token_urlsafe(48)

    def client_credentials() -> None:
        _token(http, {"grant_type": "client_credentials"}, creds)

    def authorization_code() -> None:
        data = {"grant_type": "authorization_code", "code": _code(app.client, user, verifier),
                "redirect_uri": REDIRECT, "code_verifier": verifier}  # fmt: skip
        _token(http, data, creds)

    def refused_secret() -> None:
        response = http.post("/auth/oauth/token/", "grant_type=client_credentials", content_type=FORM,
                             **_basic(app.client.client_id, "wrong"))  # fmt: skip
        if response.status_code != 401:
            raise RuntimeError(f"wrong client secret: status {response.status_code}, expected 401")

    rows = [
        measure("POST /auth/oauth/token/ client_credentials", client_credentials, batch=100, batches=5),
        measure("POST /auth/oauth/token/ authorization_code", authorization_code, batch=50, batches=5),
    ]
    # The failure counters stay on, with a threshold no run reaches: the row measures a refusal, not the
    # lockout's 429 that a few hundred wrong secrets from one network would soon get instead.
    with override_apiauth(LOCKOUT_FAILURES=10**9, LOCKOUT_IP_FAILURES=10**9):
        rows.append(measure("POST /auth/oauth/token/ wrong client secret (401)", refused_secret, batch=100, batches=5))
    for row in rows:
        row.note = f"{1e6 / row.median_us:,.0f} requests/s (test client, SQLite)"
    return rows


def _request_rows(user: User) -> list[Result]:
    app = create_client(name="bench-cc", client_type="confidential", grant_types=["client_credentials"],
                        scopes=["read"])  # fmt: skip
    client_token = _token(Client(), {"grant_type": "client_credentials"}, _basic(app.client.client_id, app.secret))
    first_party = issue_access_token(user, scopes=["read"]).token
    oauth_user = issue_access_token(user, scopes=["read"], client_id=app.client.client_id).token
    view = view_with([JWTAuthentication])
    return [
        measure_view("first-party access token", view, {"Authorization": f"Bearer {first_party}"}),
        measure_view("OAuth access token (authorization_code)", view, {"Authorization": f"Bearer {oauth_user}"}),
        measure_view(
            "OAuth client_credentials token",
            view,
            {"Authorization": f"Bearer {client_token['access_token']}"},
            note="client principal: no user lookup, one revocation-list read",
        ),
    ]


def run() -> None:
    user, _ = User.objects.get_or_create(username="bench-oauth")
    base = baseline()
    print_table("OAuth access tokens per request (same JWTAuthentication path)", _request_rows(user), base)
    print_table("OAuth token endpoint throughput", _endpoint_rows(user), base)
