"""Baseline and Django's session authentication, the scheme every project already has."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authentication import SessionAuthentication

from bench.harness import baseline, measure_view, print_table, view_with


def run() -> None:
    user = User.objects.create_user("bench-session", password="x")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    base = baseline()
    view = view_with([SessionAuthentication])
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    def with_session(request):  # type: ignore[no-untyped-def]
        return view(request)

    chain = SessionMiddleware(AuthenticationMiddleware(with_session))
    session_result = measure_view(
        "DRF SessionAuthentication (DB session)",
        chain,
        headers={"Cookie": f"sessionid={session.session_key}"},
    )
    print_table("Baseline", [session_result], base)
