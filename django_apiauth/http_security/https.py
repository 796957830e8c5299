"""HTTPS for credentials: outside ``DEBUG`` a credential never travels over plain HTTP.

A request presenting a credential (``Authorization``, the API-key header or query parameter, the refresh
cookie) or addressed to a credential endpoint (login, refresh, token) is refused with a JSON 400 when it is
not secure. ``request.is_secure()`` already honours ``SECURE_PROXY_SSL_HEADER``, so a TLS-terminating proxy
Django trusts needs nothing more; ``REQUIRE_HTTPS = False`` turns the refusal off (W040 without that header).
Requests addressed to a loopback ``Host`` are local servers (``make demo``, tests) and are exempt.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from django_apiauth.authn.credentials import has_credential
from django_apiauth.conf import apiauth_settings
from django_apiauth.http_security.endpoints import Endpoint, kind_of_request

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def loopback_host(request: HttpRequest) -> bool:
    """Whether the raw ``Host`` header names this machine (its port, if any, ignored)."""
    host = str(request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or "").lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]" in LOOPBACK_HOSTS
    return host.partition(":")[0] in LOOPBACK_HOSTS


def carries_credential(request: HttpRequest) -> bool:
    """A credential of any scheme we read is present (even a malformed one: it is on the wire already)."""
    return has_credential(request) or apiauth_settings.REFRESH_COOKIE_NAME in request.COOKIES


def https_required(request: HttpRequest) -> bool:
    """Whether ``request`` must be refused for travelling over plain HTTP. Cheap on secure requests."""
    if request.is_secure() or settings.DEBUG or not apiauth_settings.REQUIRE_HTTPS:
        return False
    if loopback_host(request):
        return False
    return carries_credential(request) or kind_of_request(request) is Endpoint.CREDENTIAL
