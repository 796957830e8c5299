"""Attacks on login, refresh, logout and sessions found by red-teaming, each pinned by a test.

Every test here failed before its fix: a 500 on hostile bodies or headers, an API key managing the
user's sessions, audit-trail floods that aggregation did not fold, secrets in error reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshTokenFamily
from tests.support.refresh_tokens import (
    LOGIN,
    LOGOUT,
    LOGOUT_ALL,
    PASSWORD,
    REFRESH,
    SESSIONS,
    bearer,
    login_pair,
    refresh,
)
from tests.support.users import create_user, login_name

pytestmark = pytest.mark.django_db
JSON = "application/json"


def assert_oauth_error(response: Any, status: int | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    if status is not None:
        assert response.status_code == status, response.content[:200]
    body = response.json()
    assert isinstance(body["error"], str)
    assert isinstance(body["error_description"], str)


# --- hostile JSON ------------------------------------------------------------------------------------------
DEEP_BODIES = {
    "nested arrays": "[" * 20_000 + "]" * 20_000,
    "nested objects": '{"a":' * 10_000 + "1" + "}" * 10_000,
}


@pytest.mark.parametrize("path", [LOGIN, REFRESH, LOGOUT])
@pytest.mark.parametrize("case", DEEP_BODIES)
def test_deeply_nested_json_is_a_400_not_a_500(path: str, case: str, user: User) -> None:
    """Python's JSON decoder raises RecursionError (not ValueError) past ~1000 levels: below the size limit."""
    response = Client().post(path, DEEP_BODIES[case], content_type=JSON)

    assert_oauth_error(response, 400)
    assert response.json()["error"] == "invalid_request"


def test_duplicate_json_keys_are_refused(user: User) -> None:
    """A proxy or WAF reading the first ``username`` must not see another user than the one we log in."""
    body = f'{{"username": login_name("nobody"), "username": login_name("alice"), "password": "{PASSWORD}"}}'

    response = Client().post(LOGIN, body, content_type=JSON)

    assert_oauth_error(response, 400)
    assert not RefreshTokenFamily.objects.exists()


# --- hostile headers ---------------------------------------------------------------------------------------
def test_nul_in_user_agent_is_stripped_before_storage(user: User) -> None:
    """PostgreSQL refuses NUL in text: the login itself answered 500 and the audit rows were lost."""
    client = APIClient(HTTP_USER_AGENT="evil\x00agent\x01")

    assert login_pair(client)["access_token"]
    family = RefreshTokenFamily.objects.get()
    assert family.user_agent == "evilagent"
    assert set(AuthEvent.objects.values_list("user_agent", flat=True)) == {"evilagent"}


# --- API keys must not manage login sessions ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", SESSIONS), ("post", LOGOUT_ALL), ("delete", "session"), ("post", LOGOUT)],
)
def test_api_key_cannot_list_or_end_sessions(method: str, path: str, user: User, issue_key: Callable[..., Any]) -> None:
    """A leaked (even read-only) API key must not read the user's IPs or log them out everywhere."""
    login_pair(APIClient())
    family = RefreshTokenFamily.objects.get()
    key = issue_key(scopes=["read"]).plaintext
    url = f"{SESSIONS}{family.sid}/" if path == "session" else path

    response = getattr(APIClient(), method)(url, format="json", HTTP_X_API_KEY=key)

    assert_oauth_error(response)
    family.refresh_from_db()
    assert family.revoked_at is None


def test_access_token_still_manages_sessions(user: User) -> None:
    pair = login_pair(APIClient())
    client = bearer(APIClient(), pair["access_token"])

    assert client.get(SESSIONS).status_code == 200
    assert client.post(LOGOUT_ALL).status_code == 204


# --- audit-trail floods ------------------------------------------------------------------------------------
def test_ipv6_addresses_of_one_slash64_are_aggregated(apiauth: Callable[..., None], user: User) -> None:
    """Anyone holding a /64 has 2**64 addresses: one row per address would be one row per request."""
    apiauth(TRUSTED_PROXIES=["127.0.0.1/32"])
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        for i in range(40):
            refresh(APIClient(), "A" * 43, HTTP_X_FORWARDED_FOR=f"2001:db8:0:1::{i + 1:x}")
        refresh(APIClient(), "A" * 43, HTTP_X_FORWARDED_FOR="2001:db8:0:2::1")

    rows = AuthEvent.objects.filter(type=EventType.TOKEN_REJECTED).order_by("created_at")
    assert [(row.client_ip, row.count) for row in rows] == [("2001:db8:0:1::1", 32), ("2001:db8:0:2::1", 1)]


def test_repeated_logout_with_one_refresh_token_records_one_event(user: User) -> None:
    """An old (even consumed) refresh token must not let its holder write one audit row per request."""
    token = login_pair(APIClient())["refresh_token"]

    statuses = {APIClient().post(LOGOUT, {"refresh_token": token}, format="json").status_code for _ in range(20)}

    assert statuses == {204}
    assert AuthEvent.objects.filter(type=EventType.LOGOUT).count() == 1


# --- usernames ---------------------------------------------------------------------------------------------
def test_login_normalises_the_username_like_django_login_form(db: None) -> None:
    """``create_user`` stores NFKC usernames and Django's AuthenticationForm normalises its input: so do we."""
    create_user("fish", password=PASSWORD)  # "ﬁsh" (U+FB01) is stored as "fish"

    assert login_pair(APIClient(), username="\ufb01sh")["access_token"]


# --- secrets in error reports ------------------------------------------------------------------------------
def _report_of_crash(monkeypatch: pytest.MonkeyPatch, target: str, call: Callable[[], Any]) -> str:
    """The text Django mails to ADMINS (DEBUG off) when ``target`` crashes under ``call``."""

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(target, crash)
    with pytest.raises(RuntimeError) as caught:
        call()
    tb = caught.tb  # from the app's first frame, as in production (no test-client frames holding the body)
    while tb is not None and "django_apiauth" not in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    return str(ExceptionReporter(None, caught.type, caught.value, tb).get_traceback_html())


def test_password_is_not_in_error_reports(monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    secret = "a-very-recognisable-password"
    user.set_password(secret)
    user.save()
    client = APIClient(raise_request_exception=True)

    report = _report_of_crash(
        monkeypatch,
        "django_apiauth.login.complete.issue_family",
        lambda: client.post(LOGIN, {"username": login_name("alice"), "password": secret}, format="json"),
    )

    assert "database went away" in report  # the report does show the frames and their variables
    assert "Local vars" in report
    assert secret not in report


@pytest.mark.parametrize("path", [REFRESH, LOGOUT])
def test_refresh_token_is_not_in_error_reports(path: str, monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    token = login_pair(APIClient())["refresh_token"]
    client = APIClient(raise_request_exception=True)
    target = "django_apiauth.refresh." + ("service._decide" if path == REFRESH else "revocation.revoke_families")

    report = _report_of_crash(monkeypatch, target, lambda: client.post(path, {"refresh_token": token}, format="json"))

    assert "database went away" in report
    assert "Local vars" in report
    assert token not in report


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "base64_codec"])
def test_byte_codec_charsets_are_refused(charset: str, user: User) -> None:
    """A compressed body declared as ``charset=bz2_codec`` would expand past every size limit."""
    import bz2

    body = bz2.compress(b'{"username": login_name("alice"), "password": "x"}')

    response = Client().generic("POST", LOGIN, body, content_type=f"application/json; charset={charset}")

    assert_oauth_error(response, 400)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_constants_are_refused(constant: str, user: User) -> None:
    """Python's json accepts NaN/Infinity, which JSON does not define; a strict parser says 400."""
    response = APIClient().post(
        LOGIN, f'{{"username": login_name("alice"), "password": {constant}}}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_flood_of_events_without_a_client_ip_is_aggregated(db: None) -> None:
    from django_apiauth.events import record_event

    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        for _ in range(5):
            record_event(EventType.LOGIN_FAILED, aggregate=True)
    event = AuthEvent.objects.get()
    assert event.client_ip is None
    assert event.count == 4  # flushed at the power of two; the fifth is pending until the window closes


def test_session_endpoints_add_jwt_when_the_project_lists_only_other_schemes(user: User, settings: Any) -> None:
    """Bearer tokens always manage sessions, even if the project's defaults do not list JWTAuthentication."""
    pair = login_pair(APIClient())
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert client.get(SESSIONS).status_code == 200
