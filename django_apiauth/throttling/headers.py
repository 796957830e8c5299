"""The ``RateLimit-Policy`` and ``RateLimit`` response fields of draft-ietf-httpapi-ratelimit-headers.

Both are Structured Field lists (RFC 8941) of one item per policy, named after the throttle scope::

    RateLimit-Policy: "login";q=30;w=60
    RateLimit: "login";r=27;t=41

``q`` is the quota, ``w`` the window in seconds, ``r`` what remains in the current window and ``t`` the
seconds until a unit comes back (0 when the full quota is available). Decisions are remembered on the
request by the throttle and written on the response, the 429 included, by :func:`apply_rate_limit_headers`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase

from django_apiauth.throttling.decision import Decision

_ATTRIBUTE = "_apiauth_rate_limits"


def _sf_string(name: str) -> str:
    """An RFC 8941 §3.3.3 string: printable ASCII with ``"`` and ``\\`` escaped; anything else is dropped."""
    safe = "".join(ch for ch in name if " " <= ch <= "~")
    return '"' + safe.replace("\\", "\\\\").replace('"', '\\"') + '"'


def remember(request: HttpRequest, name: str, decision: Decision) -> None:
    """Keep ``decision`` for the response (a later check of the same policy replaces an earlier one)."""
    decisions: dict[str, Decision] = getattr(request, _ATTRIBUTE, None) or {}
    decisions[name] = decision
    setattr(request, _ATTRIBUTE, decisions)


def remembered(request: HttpRequest) -> dict[str, Decision]:
    return dict(getattr(request, _ATTRIBUTE, None) or {})


def policy_field(decisions: dict[str, Decision]) -> str:
    return ", ".join(f"{_sf_string(name)};q={d.limit};w={d.window}" for name, d in decisions.items())


def state_field(decisions: dict[str, Decision]) -> str:
    return ", ".join(f"{_sf_string(name)};r={d.remaining};t={d.reset_after}" for name, d in decisions.items())


def apply_rate_limit_headers(request: Any, response: HttpResponseBase) -> HttpResponseBase:
    """Write both fields when the request went through at least one of our throttles; ``request`` may be a
    Django ``HttpRequest`` or a DRF ``Request``."""
    decisions = remembered(getattr(request, "_request", request))
    if decisions:
        response["RateLimit-Policy"] = policy_field(decisions)
        response["RateLimit"] = state_field(decisions)
    return response
