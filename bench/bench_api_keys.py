"""API keys next to the no-auth baseline and DRF's ``TokenAuthentication`` (one ORM lookup), same run.

Targets: a valid key costs at most half of ``TokenAuthentication``'s overhead, although it hashes
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
from django_apiauth.api_keys import cache as key_cache
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
            key_cache.clear()  # rows cached by the warm run would otherwise serve the first second
            cold = measure_view(
                "APIKeyAuthentication + HasScope, cache off", ScopedView.as_view(), {"X-API-Key": plaintext}
            )
            valid_cold = _call("authenticate(): valid key, cache off (1 query)", plaintext)
        valid_warm = _call("authenticate(): valid key, warm cache", plaintext)
        rejected = _call("authenticate(): malformed key (bad checksum)", malformed)
    token_overhead = token_result.median_us - base.median_us
    warm.note = f"{_overhead(warm, base) / token_overhead:.2f} x Token's overhead (target <= 0.5)"
    cold.note = f"{_overhead(cold, base) / token_overhead:.2f} x Token's overhead; one query per request"
    print_table("API keys: per-request cost", [token_result, warm, cold], base)
    rejected.note = (
        f"{rejected.median_us / valid_cold.median_us:.3f} x a valid check (target < 0.1); "
        f"{rejected.median_us / valid_warm.median_us:.2f} x a cached one; 0 queries"
    )
    print_table("API keys: the authentication call alone", [valid_cold, valid_warm, rejected], _NOTHING)


_NOTHING = Result("(nothing)", 0.0, 0.0)


def _overhead(result: Result, base: Result) -> float:
    return result.median_us - base.median_us


def _call(name: str, raw_key: str) -> Result:
    """``APIKeyAuthentication.authenticate`` on its own, for one key; a malformed key must cost no query."""
    auth = APIKeyAuthentication()
    request = Request(factory.get("/bench/", HTTP_X_API_KEY=raw_key))

    def call() -> Any:
        try:
            return auth.authenticate(request)
        except AuthenticationFailed:
            return None

    with CaptureQueriesContext(connection) as queries:
        accepted = call() is not None
    if not accepted and queries.captured_queries:
        raise RuntimeError("rejecting a malformed key queried the database")
    return measure(name, call, batch=1000)
