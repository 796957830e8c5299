"""API keys next to the no-auth baseline and DRF's ``TokenAuthentication`` (one ORM lookup), same run.

Targets (issue 5): a valid key costs at most half of ``TokenAuthentication``'s overhead, although it hashes
and checks scope and expiry; a malformed key is refused in under a tenth of a valid check, with no query.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from bench.harness import NoAuthView, Result, baseline, factory, measure, measure_view, print_table
from django_apiauth.api_keys.service import create_api_key
from django_apiauth.drf.api_key_authentication import APIKeyAuthentication
from django_apiauth.drf.scopes import HasScope
from django_apiauth.testing import override_apiauth


class ScopedView(NoAuthView):
    """The benchmark view behind API keys *and* a scope check, so the comparison is not flattering."""

    authentication_classes = [APIKeyAuthentication]
    permission_classes = [HasScope]
    required_scopes = ["read"]


class TokenView(NoAuthView):
    authentication_classes = [TokenAuthentication]


def run() -> None:
    from rest_framework.authtoken.models import Token

    user = User.objects.create_user("bench-api-key", password="x")
    token = Token.objects.create(user=user)
    with override_settings(APIAUTH={"API_KEY_SCOPES": {"read": None}, "API_KEY_PEPPER": "p" * 40}):
        plaintext = create_api_key(owner=user, name="bench", scopes=["read"]).plaintext
        malformed = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")  # checksum no longer matches
        base = baseline()
        token_result = measure_view("DRF TokenAuthentication", TokenView.as_view(), {"Authorization": f"Token {token}"})
        warm = measure_view("APIKeyAuthentication + HasScope", ScopedView.as_view(), {"X-API-Key": plaintext})
        with override_apiauth(API_KEY_CACHE_TTL=0):
            cold = measure_view(
                "APIKeyAuthentication + HasScope, cache off",
                ScopedView.as_view(),
                {"X-API-Key": plaintext},
                note="one query per request",
            )
        calls = _authenticator_calls(plaintext, malformed)
    token_overhead = token_result.median_us - base.median_us
    warm_overhead = warm.median_us - base.median_us
    warm.note = f"{warm_overhead / token_overhead:.2f} x Token's overhead (target <= 0.5)"
    print_table("API keys: per-request cost", [token_result, warm, cold], base)
    valid, rejected = calls
    rejected.note = f"{rejected.median_us / valid.median_us:.3f} x a valid check (target < 0.1), 0 queries"
    print_table("API keys: the authentication call alone", [valid, rejected], Result("(no call)", 0.0, 0.0))


def _authenticator_calls(plaintext: str, malformed: str) -> tuple[Result, Result]:
    """``APIKeyAuthentication.authenticate`` on its own: a valid key (warm cache) and a malformed one."""
    auth = APIKeyAuthentication()
    valid_request = Request(factory.get("/bench/", HTTP_X_API_KEY=plaintext))
    bad_request = Request(factory.get("/bench/", HTTP_X_API_KEY=malformed))

    def reject() -> Any:
        try:
            auth.authenticate(bad_request)
        except AuthenticationFailed:
            return None
        raise RuntimeError("a malformed key was accepted")

    with CaptureQueriesContext(connection) as queries:
        reject()
    if queries.captured_queries:
        raise RuntimeError("rejecting a malformed key queried the database")
    valid = measure("authenticate(): valid key, warm cache", lambda: auth.authenticate(valid_request), batch=2000)
    rejected = measure("authenticate(): malformed key", reject, batch=2000)
    return valid, rejected
