"""Rate-limit decisions for requests: rates from ``APIAUTH["THROTTLE_RATES"]``, identities, events.

The DRF throttle classes (``throttling.drf``) only say *which* scope and identity a request falls under;
this module reads the rate at call time, runs the all-or-nothing check, remembers the decisions for the
``RateLimit`` headers and records an aggregated ``rate_limited`` event for a refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.aggregation import flood_source_of
from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.throttling import headers, limiter
from django_apiauth.throttling.decision import Decision
from django_apiauth.throttling.rates import InvalidRate, Rate, parse_rate

logger = logging.getLogger("django_apiauth.throttling")

#: The app's own endpoints are throttled by default; ``THROTTLE_RATES`` is laid over these.
DEFAULT_RATES: dict[str, str | None] = {
    "login": "30/min",
    "refresh": "60/min",
    "api_keys": "60/min",
    "sessions": "120/min",
    "mfa": "30/min",
    "oauth": "60/min",
}
#: Renamed whenever a backend changes what it stores under a key, so no key of an older layout is ever read.
KEY_PREFIX = "apiauth:sw"


@dataclass(frozen=True)
class Limit:
    """One policy applied to one request: ``scope`` names it, ``ident`` is whose bucket it counts."""

    scope: str
    ident: str
    rate: Rate

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}:{self.scope}:{self.ident}"


def rate_for(scope: str) -> Rate | None:
    """The current rate of ``scope``; ``None`` when the scope is off or unknown. A malformed rate (reported
    by ``apiauth.E040``) is logged and treated as off rather than answering 500 on every request."""
    configured = apiauth_settings.THROTTLE_RATES
    if not isinstance(configured, dict) or scope not in configured:
        configured = DEFAULT_RATES  # the project's dict is laid over the defaults, key by key
    text = configured.get(scope)
    if text is None:
        return None
    try:
        return parse_rate(text)
    except InvalidRate as exc:
        logger.error("APIAUTH['THROTTLE_RATES'][%r] is ignored: %s", scope, exc)
        return None


def network_of(request: HttpRequest) -> str:
    """The client's network as resolved through ``TRUSTED_PROXIES``: an IPv4 address or an IPv6 /64 (memoised
    on the raw headers by the event layer, which groups floods by the same network)."""
    return flood_source_of(request)


def check(request: HttpRequest, limits: Sequence[Limit]) -> list[Decision]:
    """Count the request against every limit at once (all or nothing).

    Returns the decisions (empty when there was nothing to check, or the cache is down and throttles fail
    open); each is remembered for the ``RateLimit`` headers. A refusal records ``rate_limited``.
    """
    if not limits:
        return []
    decisions = limiter.hit([limit.key for limit in limits], [limit.rate for limit in limits])
    if decisions is None:
        return []
    for limit, decision in zip(limits, decisions, strict=True):
        headers.remember(request, limit.scope, decision)
    if not decisions[0].allowed:
        refused = [limit.scope for limit, d in zip(limits, decisions, strict=True) if d.remaining == 0]
        record_event(
            EventType.RATE_LIMITED,
            request=request,
            details={"scopes": refused, "path": request.path[:200]},
            aggregate=True,
        )
    return decisions


def retry_after(decisions: Sequence[Decision]) -> int:
    """Seconds until every refusing policy admits again."""
    return max((d.retry_after for d in decisions if d.remaining == 0), default=1)
