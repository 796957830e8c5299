"""DRF throttle classes on the exact limiter: by client IP, by user, by API key or service, by view scope,
and a composite of several checked in one round trip.

Put them in ``throttle_classes`` (or ``DEFAULT_THROTTLE_CLASSES``) and give each scope a rate in
``APIAUTH["THROTTLE_RATES"]``; a scope without a rate is not throttled. The client IP is the one resolved
through ``TRUSTED_PROXIES`` (IPv6 per /64), never a raw ``X-Forwarded-For``. Add
:class:`~django_apiauth.throttling.drf.RateLimitHeadersMixin` to a view to send the ``RateLimit`` headers.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from django_apiauth.throttling import service
from django_apiauth.throttling.decision import Decision
from django_apiauth.throttling.headers import apply_rate_limit_headers


class RateThrottle(BaseThrottle):
    """Base class: subclasses name a ``scope`` and say whose bucket a request counts in (``bucket_of``)."""

    scope = ""

    def __init__(self) -> None:
        self.decisions: list[Decision] = []

    def get_scope(self, request: Request, view: Any) -> str:
        return self.scope

    def bucket_of(self, request: Request, view: Any) -> str | None:
        """Whose bucket; ``None`` exempts the request from this throttle."""
        raise NotImplementedError

    def limits(self, request: Request, view: Any) -> list[service.Limit]:
        scope = self.get_scope(request, view)
        rate = service.rate_for(scope) if scope else None
        ident = self.bucket_of(request, view) if rate is not None else None
        return [service.Limit(scope, ident, rate)] if rate is not None and ident is not None else []

    def allow_request(self, request: Request, view: Any) -> bool:
        self.decisions = service.check(request._request, self.limits(request, view))
        return all(d.allowed for d in self.decisions)

    def wait(self) -> float | None:
        return float(service.retry_after(self.decisions)) if self.decisions else None


def client_network(request: Request) -> str:
    return "ip:" + service.network_of(request._request)


def user_or_network(request: Request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return client_network(request)


class IPRateThrottle(RateThrottle):
    """One bucket per client network (IPv4 address or IPv6 /64)."""

    scope = "ip"

    def bucket_of(self, request: Request, view: Any) -> str | None:
        return client_network(request)


class UserRateThrottle(RateThrottle):
    """One bucket per authenticated user; anonymous requests count per client network."""

    scope = "user"

    def bucket_of(self, request: Request, view: Any) -> str | None:
        return user_or_network(request)


class APIKeyRateThrottle(RateThrottle):
    """One bucket per API key, service or OAuth client in ``request.auth``; other requests are exempt."""

    scope = "api_key"

    def bucket_of(self, request: Request, view: Any) -> str | None:
        auth = request.auth
        for attribute, prefix in (("service", "service"), ("client_id", "client"), ("lookup_id", "key")):
            value = getattr(auth, attribute, None)
            if isinstance(value, str) and value:
                return f"{prefix}:{value}"
        return None


class ScopedRateThrottle(RateThrottle):
    """The view's ``throttle_scope`` names the rate; counted per user, or per network when anonymous."""

    def get_scope(self, request: Request, view: Any) -> str:
        scope = getattr(view, "throttle_scope", None)
        return scope if isinstance(scope, str) else ""

    def bucket_of(self, request: Request, view: Any) -> str | None:
        return user_or_network(request)


class CompositeRateThrottle(RateThrottle):
    """Several throttles checked in one atomic round trip: admitted only if all admit, counted in all or none.

    Subclass with ``components = (IPRateThrottle, UserRateThrottle)`` (each with its own scope).
    """

    components: tuple[type[RateThrottle], ...] = ()

    def limits(self, request: Request, view: Any) -> list[service.Limit]:
        return [limit for cls in self.components for limit in cls().limits(request, view)]


class RateLimitHeadersMixin:
    """For ``APIView`` subclasses: ``RateLimit-Policy`` / ``RateLimit`` on every response, the 429 included."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        return apply_rate_limit_headers(request, response)


def scoped(base: type[RateThrottle], scope: str) -> type[RateThrottle]:
    """``base`` with another scope, for the app's endpoints: ``scoped(IPRateThrottle, "login")``."""
    return type(f"{scope.title().replace('_', '')}{base.__name__}", (base,), {"scope": scope})


LoginRateThrottle = scoped(IPRateThrottle, "login")
RefreshRateThrottle = scoped(IPRateThrottle, "refresh")
APIKeysRateThrottle = scoped(UserRateThrottle, "api_keys")
SessionsRateThrottle = scoped(UserRateThrottle, "sessions")
MFARateThrottle = scoped(IPRateThrottle, "mfa")
OAuthRateThrottle = scoped(IPRateThrottle, "oauth")
