"""Suspicious-pattern detectors: each fires on its pattern (event + signal) and stays quiet under normal use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import checks
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.monitoring import KnownDevice
from django_apiauth.monitoring import detectors, distinct, usage
from django_apiauth.signals import suspicious_activity
from django_apiauth.testing import override_apiauth
from tests.support.users import login_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_lockout(apiauth: Callable[..., None]) -> Iterator[None]:
    apiauth(LOCKOUT_ENABLED=False)
    detectors.recent_key_networks.clear()
    yield
    detectors.recent_key_networks.clear()


@pytest.fixture
def signals() -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    suspicious_activity.connect(receiver, dispatch_uid="test-detectors")
    yield received
    suspicious_activity.disconnect(dispatch_uid="test-detectors")


def kinds() -> list[str]:
    return [e.details["kind"] for e in AuthEvent.objects.filter(type=EventType.SUSPICIOUS_ACTIVITY)]


def login(client: APIClient, username: str, password: str = "wrong", ip: str = "198.51.100.1", ua: str = "ua-1") -> Any:
    return client.post(
        "/auth/login/", {"username": login_name(username), "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT=ua
    )


def test_credential_stuffing(api_client: APIClient, apiauth: Callable[..., None], signals: list[Any]) -> None:
    apiauth(MONITOR_STUFFING_ACCOUNTS=3)
    for name in ("a", "b", "c", "d"):
        login(api_client, name)
    assert kinds() == ["credential_stuffing"]
    event = AuthEvent.objects.get(type=EventType.SUSPICIOUS_ACTIVITY)
    assert event.details["accounts"] == 3
    assert event.details["network"] == "198.51.100.1"
    assert [s["kind"] for s in signals] == ["credential_stuffing"]
    assert signals[0]["evidence"]["accounts"] == 3


def test_stuffing_quiet_for_one_account_and_few_accounts(api_client: APIClient, apiauth: Callable[..., None]) -> None:
    apiauth(MONITOR_STUFFING_ACCOUNTS=3)
    for _ in range(10):
        login(api_client, "a")
    login(api_client, "b")
    assert kinds() == []


def test_distributed_guessing(api_client: APIClient, user: User, apiauth: Callable[..., None]) -> None:
    apiauth(MONITOR_DISTRIBUTED_NETWORKS=3)
    for i in range(4):
        login(api_client, "alice", ip=f"203.0.113.{i}")
    assert kinds() == ["distributed_guessing"]
    assert AuthEvent.objects.get(type=EventType.SUSPICIOUS_ACTIVITY).details["networks"] == 3


def test_distributed_quiet_for_typos_from_two_places(api_client: APIClient, user: User, password: str,
                                                     apiauth: Callable[..., None]) -> None:  # fmt: skip
    apiauth(MONITOR_DISTRIBUTED_NETWORKS=3)
    for ip in ("203.0.113.1", "203.0.113.2"):
        login(api_client, "alice", ip=ip)
        assert login(api_client, "alice", password, ip=ip).status_code == 200
    assert "distributed_guessing" not in kinds()


def test_new_device_on_login_and_refresh(api_client: APIClient, user: User, password: str,
                                         signals: list[Any]) -> None:  # fmt: skip
    first = login(api_client, "alice", password)
    assert first.status_code == 200
    login(api_client, "alice", password)
    assert kinds() == []  # the first device is the baseline, and it is known now
    login(api_client, "alice", password, ip="192.0.2.44")
    assert kinds() == ["new_device"]
    refreshed = api_client.post(
        "/auth/refresh/", {"refresh_token": first.json()["refresh_token"]}, REMOTE_ADDR="198.51.100.1",
        HTTP_USER_AGENT="another browser",
    )  # fmt: skip
    assert refreshed.status_code == 200
    assert kinds() == ["new_device", "new_device"]
    assert AuthEvent.objects.filter(type=EventType.SUSPICIOUS_ACTIVITY, details__via="refresh").exists()
    assert KnownDevice.objects.filter(user=user).count() == 3
    assert signals[0]["request"] is not None


def test_known_device_is_written_at_most_once_a_day(api_client: APIClient, user: User, password: str) -> None:
    with time_machine.travel("2026-01-01 12:00Z", tick=False) as clock:
        login(api_client, "alice", password)
        seen = KnownDevice.objects.get().last_seen_at
        clock.shift(3600)
        login(api_client, "alice", password)
        assert KnownDevice.objects.get().last_seen_at == seen
        clock.shift(86400)
        detectors.known_devices.clear()  # as another process (or this one an hour later) would
        login(api_client, "alice", password)
        assert KnownDevice.objects.get().last_seen_at > seen


def test_concurrent_first_sighting_is_recorded_once(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import RequestFactory

    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="x")
    detectors.device_seen(request, user, via="login")
    detectors.known_devices.clear()
    monkeypatch.setattr(
        "django_apiauth.monitoring.detectors.KnownDevice.objects.filter",
        lambda **kw: KnownDevice.objects.none(),
    )
    detectors.device_seen(request, user, via="login")  # the row exists: the insert loses the race quietly
    assert kinds() == []


def test_refresh_token_reuse(api_client: APIClient, user: User, password: str) -> None:
    token = login(api_client, "alice", password).json()["refresh_token"]
    same_device = {"REMOTE_ADDR": "198.51.100.1", "HTTP_USER_AGENT": "ua-1"}
    assert api_client.post("/auth/refresh/", {"refresh_token": token}, **same_device).status_code == 200
    assert api_client.post("/auth/refresh/", {"refresh_token": token}, **same_device).status_code == 401
    assert kinds() == ["refresh_token_reuse"]


def test_api_key_from_a_new_network(api_client: APIClient, issue_key: Callable[..., Any]) -> None:
    key = issue_key().plaintext
    for _ in range(3):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert kinds() == []
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key, REMOTE_ADDR="203.0.113.9")
    api_client.get("/api/whoami/", HTTP_X_API_KEY=key, REMOTE_ADDR="203.0.113.9")
    assert kinds() == ["api_key_new_network"]


def test_detectors_off(api_client: APIClient, user: User, password: str, apiauth: Callable[..., None]) -> None:
    apiauth(MONITORING_ENABLED=False, MONITOR_STUFFING_ACCOUNTS=2)
    for name in ("a", "b", "c"):
        login(api_client, name)
    login(api_client, "alice", password)
    login(api_client, "alice", password, ip="192.0.2.99")
    detectors.refresh_token_reused(None, "x", user)  # type: ignore[arg-type]
    detectors.api_key_used(None, 1)
    assert kinds() == []
    assert not KnownDevice.objects.exists()


def test_credential_use_counters_are_opt_in(api_client: APIClient, issue_key: Callable[..., Any],
                                            apiauth: Callable[..., None]) -> None:  # fmt: skip
    issued = issue_key()
    api_client.get("/api/whoami/", HTTP_X_API_KEY=issued.plaintext)
    assert usage.credential_use("api_key", issued.key.pk) == 0
    apiauth(MONITOR_CREDENTIAL_USE=True)
    for _ in range(3):
        api_client.get("/api/whoami/", HTTP_X_API_KEY=issued.plaintext)
    assert usage.credential_use("api_key", issued.key.pk) == 3
    assert usage.credential_use("api_key", issued.key.pk, previous=True) == 0
    usage.count_use("client", "cl_x")
    assert usage.credential_use("client", "cl_x") == 1


def test_bearer_tokens_count_their_signing_key_and_client(apiauth: Callable[..., None], user: Any) -> None:
    from django.test import Client

    from django_apiauth.jwt.access import issue_access_token
    from tests.support.jwt_tokens import active_key
    from tests.support.oauth import basic, confidential, token_request

    first_party = issue_access_token(user).token
    app = confidential()
    creds = basic(app.client.client_id, app.secret)
    own = token_request(Client(), {"grant_type": "client_credentials"}, **creds).json()["access_token"]
    whoami = APIClient()
    whoami.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {first_party}")
    kid = active_key().kid
    assert usage.credential_use("signing_key", kid) == 0  # off by default
    apiauth(MONITOR_CREDENTIAL_USE=True)
    for token in (first_party, first_party, own):
        whoami.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert usage.credential_use("signing_key", kid) == 3
    assert usage.credential_use("client", app.client.client_id) == 1
    assert usage.credential_use("client", "apiauth-first-party") == 0


def test_detectors_see_nothing_when_the_cache_is_down(monkeypatch: pytest.MonkeyPatch,
                                                      apiauth: Callable[..., None]) -> None:  # fmt: skip
    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("refused")

    monkeypatch.setattr(distinct, "_add", down)
    assert distinct.add_member("k", "m", 60) is None
    apiauth(MONITOR_CREDENTIAL_USE=True)
    monkeypatch.setattr("django_apiauth.monitoring.usage.shared_cache", down)
    usage.count_use("api_key", 1)  # no exception: counting is best effort


def test_programming_errors_are_not_swallowed(monkeypatch: pytest.MonkeyPatch, apiauth: Callable[..., None]) -> None:
    def bug(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("bug")

    monkeypatch.setattr(distinct, "_add", bug)
    with pytest.raises(KeyError):
        distinct.add_member("k", "m", 60)
    apiauth(MONITOR_CREDENTIAL_USE=True)
    monkeypatch.setattr("django_apiauth.monitoring.usage.shared_cache", bug)
    with pytest.raises(KeyError):
        usage.count_use("api_key", 1)


def test_failing_receiver_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    from django_apiauth.monitoring.report import report

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("pager down")

    suspicious_activity.connect(broken, dispatch_uid="broken")
    try:
        report("new_device", None, {"network": "x"})
    finally:
        suspicious_activity.disconnect(dispatch_uid="broken")
    assert "receiver" in caplog.text
    assert kinds() == ["new_device"]


def test_admin_filter(admin_client: Client, api_client: APIClient, apiauth: Callable[..., None]) -> None:
    apiauth(MONITOR_STUFFING_ACCOUNTS=2)
    for name in ("a", "b"):
        login(api_client, name)
    page = admin_client.get("/admin/apiauth/authevent/?suspicious=any")
    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == 1
    assert len(admin_client.get("/admin/apiauth/authevent/?suspicious=new_device").context["cl"].result_list) == 0
    assert len(admin_client.get("/admin/apiauth/authevent/").context["cl"].result_list) > 1


@pytest.mark.parametrize("key", ["MONITOR_STUFFING_ACCOUNTS", "MONITOR_DISTRIBUTED_NETWORKS"])
def test_thresholds_are_checked(key: str) -> None:
    with override_apiauth(**{key: 1}):
        assert "apiauth.E064" in {m.id for m in checks.run_checks(tags=["apiauth"])}
    with override_apiauth(**{key: 2}):
        assert "apiauth.E064" not in {m.id for m in checks.run_checks(tags=["apiauth"])}


def test_use_counters_without_the_token_memories(apiauth: Callable[..., None], user: Any) -> None:
    """With verified-token memory off the kid comes from the header memory; a token this process never
    verified names no kid, and only its client is counted."""
    from django_apiauth.authn.core import count_token_use
    from django_apiauth.jwt.access import issue_access_token, signing_kid
    from tests.support.jwt_tokens import active_key

    apiauth(MONITOR_CREDENTIAL_USE=True, JWT_VERIFIED_TOKEN_CACHE_SIZE=0)
    token = issue_access_token(user).token
    assert APIClient().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert usage.credential_use("signing_key", active_key().kid) == 1
    unseen = "eyJub3QiOiJzZWVuIn0.e30.sig"
    assert signing_kid(unseen) is None
    count_token_use(unseen, {"client_id": "cl_seen"})
    assert usage.credential_use("client", "cl_seen") == 1
