"""Login and refresh-token rotation: rotations per second, and login next to the password hash it pays for.

Run on SQLite in memory; when ``DATABASE_URL`` points at PostgreSQL the rotation rows are measured again
there, in a child process using ``bench.settings_postgres`` (migrated like the main run).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection

from bench.harness import Result, baseline, factory, measure, print_table
from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.refresh.revocation import check_session_not_revoked, known_live
from django_apiauth.refresh.service import rotate
from django_apiauth.testing import override_apiauth
from django_apiauth.views.tokens import LoginView, LogoutView, RefreshView

PASSWORD = "bench password 0f3a"


def _post(view: Callable[..., Any], path: str, body: dict[str, str]) -> Any:
    response = view(factory.post(path, json.dumps(body), content_type="application/json"))
    response.render()
    return response


def _login(username: str, password: str = PASSWORD) -> dict[str, Any]:
    response = _post(LoginView.as_view(), "/auth/login/", {"username": username, "password": password})
    if response.status_code != 200:
        raise RuntimeError(f"login failed: {response.status_code}")
    return dict(response.data)


def _rotation_rows(user: User) -> list[Result]:
    """Rotations through the endpoint and through the service alone, each call consuming the last token."""
    view = RefreshView.as_view()
    state = {"token": _login(user.username)["refresh_token"]}

    def through_view() -> None:
        response = _post(view, "/auth/refresh/", {"refresh_token": state["token"]})
        if response.status_code != 200:
            raise RuntimeError(f"refresh failed: {response.status_code}")
        state["token"] = response.data["refresh_token"]

    request = factory.post("/auth/refresh/")

    def through_service() -> None:
        state["token"] = rotate(state["token"], request=request).refresh_token

    vendor = connection.vendor
    rows = [measure(f"POST /auth/refresh/ ({vendor})", through_view, batch=100, batches=5)]
    rows.append(measure(f"refresh.service.rotate() ({vendor})", through_service, batch=100, batches=5))
    for row in rows:
        row.note = f"{1e6 / row.median_us:,.0f} rotations/s"
    return rows


def _login_rows(user: User) -> list[Result]:
    """The login endpoint is dominated by the password hash; unknown users must cost the same."""
    view = LoginView.as_view()

    def hash_only() -> None:
        user.check_password(PASSWORD)

    def good_login() -> None:
        _post(view, "/auth/login/", {"username": user.username, "password": PASSWORD})

    def wrong_password() -> None:
        _post(view, "/auth/login/", {"username": user.username, "password": "wrong"})

    def unknown_user() -> None:
        _post(view, "/auth/login/", {"username": "no-such-user", "password": PASSWORD})

    return _interleaved(
        [
            ("check_password() alone (PBKDF2)", hash_only, "Django's default iterations"),
            ("POST /auth/login/ success", good_login, "hash + family + token + events"),
            ("POST /auth/login/ wrong password", wrong_password, "same 401 body"),
            ("POST /auth/login/ unknown user", unknown_user, "dummy hash: same cost"),
        ],
        rounds=7,
    )


def _interleaved(calls: list[tuple[str, Callable[[], object], str]], rounds: int) -> list[Result]:
    """One call of each scenario per round, so load from other processes hits every row alike."""
    samples: dict[str, list[float]] = {name: [] for name, _, _ in calls}
    for _, call, _ in calls:
        call()  # warm-up
    for _ in range(rounds):
        for name, call, _ in calls:
            start = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - start) * 1e6)
    return [
        Result(name, statistics.median(samples[name]), (max(samples[name]) - min(samples[name])) / 2, note)
        for name, _, note in calls
    ]


def _revocation_check_rows(user: User) -> list[Result]:
    """The session check per request: trusted locally, read from the shared cache, or asked of the database."""
    live = verify_access_token(_login(user.username)["access_token"])
    revoked_pair = _login(user.username)
    revoked = verify_access_token(revoked_pair["access_token"])
    _post(LogoutView.as_view(), "/auth/logout/", {"refresh_token": revoked_pair["refresh_token"]})
    backend = type(caches[apiauth_settings.CACHE_ALIAS]).__name__
    cache = caches[apiauth_settings.CACHE_ALIAS]

    def refused() -> None:
        try:
            check_session_not_revoked(revoked)
        except InvalidToken:
            return
        raise AssertionError("a revoked session was accepted")

    def evicted(claims: dict[str, Any], check: Callable[[], None]) -> Callable[[], None]:
        def call() -> None:
            cache.delete(f"apiauth:session:{claims['sid']}")
            check()

        return call

    def live_check() -> None:
        check_session_not_revoked(live)

    rows = [
        measure(f"session check, trusted locally ({backend})", live_check, note="within REVOKED_SESSIONS_LOCAL_TTL")
    ]
    with override_apiauth(REVOKED_SESSIONS_LOCAL_TTL=0):
        known_live.clear()  # what the row above trusted locally must be read from the cache below
        rows += [
            measure(f"session check, live, cache read ({backend})", live_check, note="one cache read"),
            measure(f"session check, revoked, cache read ({backend})", refused, note="one cache read"),
            measure(
                f"session check, live, entry evicted ({backend})",
                evicted(live, live_check),
                note="delete + read + 2 queries + add",
            ),
            measure(
                f"session check, revoked, entry evicted ({backend})",
                evicted(revoked, refused),
                note="delete + read + 1 query + set",
            ),
        ]
    return rows


def run() -> None:
    user, _ = User.objects.get_or_create(username="bench-refresh")
    user.set_password(PASSWORD)
    user.save()
    base = baseline()
    if connection.vendor == "postgresql":  # the child run: rotation on PostgreSQL only
        print_table("Refresh-token rotation on PostgreSQL", _rotation_rows(user), base)
        return
    rows = [*_rotation_rows(user), *_revocation_check_rows(user), *_login_rows(user)]
    print_table("Login and refresh-token rotation (SQLite in memory)", rows, base)
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings_postgres"}
        # stderr is left alone so a failing child (e.g. a database that does not exist) says why.
        output = subprocess.run(
            [sys.executable, "-m", "bench", "refresh"], env=env, check=True, stdout=subprocess.PIPE, text=True
        ).stdout
        print(output.split("\n", 1)[1] if output.startswith("#") else output, end="")
