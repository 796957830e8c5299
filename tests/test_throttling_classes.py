"""The DRF throttle classes any view can use: IP, user, API key or service, view scope, composite."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from django_apiauth.drf.exceptions import oauth_exception_handler
from django_apiauth.throttling import rates
from django_apiauth.throttling.drf import (
    APIKeyRateThrottle,
    CompositeRateThrottle,
    IPRateThrottle,
    RateLimitHeadersMixin,
    RateThrottle,
    ScopedRateThrottle,
    UserRateThrottle,
    scoped,
)

factory = APIRequestFactory()
pytestmark = pytest.mark.django_db  # refusals record events


class Ok(RateLimitHeadersMixin, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get_exception_handler(self) -> Callable[..., Any]:
        return oauth_exception_handler

    def get(self, request: Any) -> Response:
        return Response({"ok": True})


def view_with(throttles: list[type[RateThrottle]], **attrs: Any) -> Callable[..., Any]:
    return type("V", (Ok,), {"throttle_classes": throttles, **attrs}).as_view()


def call(view: Callable[..., Any], ip: str = "192.0.2.1", user: Any = None, auth: Any = None) -> Any:
    request = factory.get("/x/", REMOTE_ADDR=ip)
    if user is not None or auth is not None:
        force_authenticate(request, user=user or AnonymousUser(), token=auth)
    return view(request)


def test_ip_throttle(apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={"ip": "2/min"})
    view = view_with([IPRateThrottle])
    assert [call(view).status_code for _ in range(3)] == [200, 200, 429]
    assert call(view, ip="192.0.2.2").status_code == 200


def test_user_throttle_counts_users_and_anonymous_networks(apiauth: Callable[..., None], user: User) -> None:
    apiauth(THROTTLE_RATES={"user": "1/min"})
    view = view_with([UserRateThrottle])
    assert call(view, user=user).status_code == 200
    assert call(view, user=user, ip="192.0.2.9").status_code == 429  # same user, another network
    assert call(view).status_code == 200
    assert call(view).status_code == 429


def test_api_key_throttle_counts_keys_services_and_clients(apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={"api_key": "1/min"})
    view = view_with([APIKeyRateThrottle])
    key = SimpleNamespace(lookup_id="abc", scopes=())
    assert [call(view, auth=key).status_code for _ in range(2)] == [200, 429]
    assert call(view, auth=SimpleNamespace(service="cron")).status_code == 200
    assert call(view, auth=SimpleNamespace(client_id="cl_1")).status_code == 200
    assert [call(view).status_code for _ in range(3)] == [200] * 3  # no key: exempt


def test_scoped_throttle_reads_the_view_scope(apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={"reports": "1/min"})
    view = view_with([ScopedRateThrottle], throttle_scope="reports")
    assert [call(view).status_code for _ in range(2)] == [200, 429]
    unscoped = view_with([ScopedRateThrottle])
    assert [call(unscoped).status_code for _ in range(3)] == [200] * 3


def test_composite_checks_all_in_one_go(apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={"burst": "2/s", "sustained": "3/min"})
    both = type("Both", (CompositeRateThrottle,), {"components": (scoped(IPRateThrottle, "burst"),
                                                                   scoped(IPRateThrottle, "sustained"))})  # fmt: skip
    view = view_with([both])
    first = call(view)
    assert first["RateLimit-Policy"] == '"burst";q=2;w=1, "sustained";q=3;w=60'
    assert first["RateLimit"] == '"burst";r=1;t=1, "sustained";r=2;t=60'
    call(view)
    refused = call(view)
    assert refused.status_code == 429
    assert refused.data["error"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1


def test_scope_without_rate_is_not_throttled(apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={})
    view = view_with([IPRateThrottle])
    response = call(view)
    assert response.status_code == 200
    assert "RateLimit" not in response
    assert IPRateThrottle().wait() is None


def test_base_class_needs_a_bucket() -> None:
    with pytest.raises(NotImplementedError):
        RateThrottle().bucket_of(None, None)  # type: ignore[arg-type]


def test_header_names_are_sf_strings() -> None:
    from django_apiauth.throttling.headers import _sf_string

    assert _sf_string('a"b\\c\x00é') == '"a\\"b\\\\c"'


@pytest.mark.parametrize(
    ("text", "limit", "window"),
    [("100/min", 100, 60), ("5/10m", 5, 600), ("1000/day", 1000, 86400), ("10/s", 10, 1), ("3/2h", 3, 7200),
     (" 7/Second ", 7, 1)],
)  # fmt: skip
def test_rates_parse(text: str, limit: int, window: int) -> None:
    assert rates.parse_rate(text) == rates.Rate(limit, window)


@pytest.mark.parametrize("text", ["", "5", "5/", "/min", "5/fortnight", "-1/min", "1.5/min", "5/min/x", 5, None])
def test_bad_rates(text: Any) -> None:
    with pytest.raises(rates.InvalidRate):
        rates.parse_rate(text)


def test_rate_str() -> None:
    assert str(rates.parse_rate("5/10m")) == "5/600s"
