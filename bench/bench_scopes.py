"""Scopes and custom claims on the request path: what ``HasScope`` and a claims hook add to a JWT request.

Same run, same token holder: the no-auth baseline; ``JWTAuthentication`` + ``IsAuthenticated`` with a plain
token; ``JWTAuthentication`` + ``HasScope`` with a token that carries scopes *and* custom claims from the
``ACCESS_TOKEN_CLAIMS`` hook. Target: scope resolution and custom claims add no query (the hook runs at
issuance only; ``HasScope`` reads the verified claims) and next to nothing in time. The query count of one
request of each kind is printed beside the timings.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.permissions import IsAuthenticated

from bench.harness import baseline, factory, measure_view, print_table, view_with
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.drf.scopes import HasScope
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.testing import override_apiauth

SCOPES = {"reports:read": {"description": "Reports", "grant": "anyone"}}


def bench_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> dict[str, Any]:
    """A typical hook: a tenant and a few roles."""
    return {"tenant": "acme", "roles": ["editor", "viewer"], "plan": "pro"}


def run() -> None:
    user = User.objects.create_user("bench-scopes", password="x")
    with override_apiauth(SCOPES=SCOPES, ACCESS_TOKEN_CLAIMS="bench.bench_scopes.bench_claims"):
        plain = issue_access_token(user).token
        rich = issue_access_token(user, scopes=["reports:read"]).token
        scoped_view = view_with([JWTAuthentication], [HasScope])
        scoped_view.view_class.required_scopes = ["reports:read"]  # type: ignore[attr-defined]
        plain_view = view_with([JWTAuthentication], [IsAuthenticated])
        base = baseline()
        without = measure_view("JWT + IsAuthenticated, plain token", plain_view, {"Authorization": f"Bearer {plain}"})
        with_scope = measure_view(
            "JWT + HasScope, token with scope and hook claims", scoped_view, {"Authorization": f"Bearer {rich}"}
        )
        without.note = f"{_queries(plain_view, plain)} queries per request (user cache warm)"
        with_scope.note = (
            f"{_queries(scoped_view, rich)} queries per request; "
            f"{with_scope.median_us - without.median_us:+.1f} µs vs the plain token"
        )
    print_table("Scopes and custom claims on a JWT request", [without, with_scope], base)


def _queries(view: Any, token: str) -> int:
    view(factory.get("/bench/", HTTP_AUTHORIZATION=f"Bearer {token}")).render()  # warm the user cache
    with CaptureQueriesContext(connection) as queries:
        response = view(factory.get("/bench/", HTTP_AUTHORIZATION=f"Bearer {token}"))
        response.render()
    if response.status_code != 200:
        raise RuntimeError(f"status {response.status_code}")
    return len(queries)
