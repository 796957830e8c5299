"""Client IP resolution: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import RequestFactory

from django_apiauth.client_ip import MAX_HOPS, get_client_ip, parse_ip

rf = RequestFactory()
PROXIES = ["10.0.0.0/8", "2001:db8:aaaa::/48", "127.0.0.1/32"]


def _ip(remote: str | None, xff: str | None = None) -> str | None:
    request = rf.get("/")
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    if xff is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = xff
    return get_client_ip(request)


@pytest.mark.parametrize(
    ("remote", "xff", "expected"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "1.2.3.4", "203.0.113.7"),  # spoofed header from an untrusted peer is ignored
        ("2001:db8::1", "1.2.3.4", "2001:db8::1"),
        ("::ffff:198.51.100.2", None, "198.51.100.2"),  # IPv4-mapped IPv6 is normalised
        ("garbage", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_untrusted_peers(remote: str | None, xff: str | None, expected: str | None) -> None:
    assert _ip(remote, xff) == expected


@pytest.mark.parametrize(
    ("remote", "xff", "expected"),
    [
        ("10.0.0.5", "198.51.100.9", "198.51.100.9"),
        ("10.0.0.5", "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # client-prepended hop is not believed
        ("10.0.0.5", "198.51.100.9, 10.1.2.3", "198.51.100.9"),  # chained trusted proxies are skipped
        ("10.0.0.5", "2001:db8::abcd", "2001:db8::abcd"),
        ("2001:db8:aaaa::1", "[2001:db8::beef]", "2001:db8::beef"),
        ("10.0.0.5", "not-an-ip", "10.0.0.5"),  # garbage: fall back to the proxy we trust
        ("10.0.0.5", "198.51.100.9, garbage, 10.1.2.3", "10.1.2.3"),
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "10.9.9.9, 10.8.8.8", "10.9.9.9"),  # only proxies: the left-most hop
        ("127.0.0.1", "192.0.2.1", "192.0.2.1"),
    ],
)
def test_trusted_proxies(apiauth: Callable[..., None], remote: str, xff: str | None, expected: str | None) -> None:
    apiauth(TRUSTED_PROXIES=PROXIES)
    assert _ip(remote, xff) == expected


def test_overlong_header_is_cut(apiauth: Callable[..., None]) -> None:
    apiauth(TRUSTED_PROXIES=["10.0.0.0/8"])
    hops = ["198.51.100.1"] + ["10.0.0.1"] * (MAX_HOPS + 5)
    assert _ip("10.0.0.5", ", ".join(hops)) == "10.0.0.1"


def test_invalid_proxy_entries_are_ignored(apiauth: Callable[..., None]) -> None:
    apiauth(TRUSTED_PROXIES=["nope", "10.0.0.0/8"])
    assert _ip("10.0.0.5", "198.51.100.9") == "198.51.100.9"


@pytest.mark.parametrize("value", ["", None, "1.2.3", "::g", "1.2.3.4.5", "[]", "\x00"])
def test_parse_ip_rejects_garbage(value: str | None) -> None:
    assert parse_ip(value) is None
