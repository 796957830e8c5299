"""Content-Security-Policy: a strict default, configurable directive by directive, extendable per view.

The default allows the page's own origin only, refuses framing and ``<base>`` tricks, and sends forms only
back to us. A view widens it for its own responses, never for others: the OAuth consent page adds the
validated ``redirect_uri`` origin to ``form-action`` (browsers apply ``form-action`` to the redirect that
follows a POST), the web client adds ``data:`` to ``img-src`` for its QR code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from django_apiauth.conf import apiauth_settings

DEFAULT_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "frame-ancestors": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
}

#: The response attribute a view (or :func:`csp_extend`) sets: ``{"form-action": ["https://client.example"]}``.
RESPONSE_ATTRIBUTE = "apiauth_csp"

Directives = Mapping[str, Iterable[str]]


def configured_policy() -> dict[str, tuple[str, ...]]:
    """The default policy with ``SECURITY_HEADERS["CSP"]`` replacing whole directives (``None`` drops one)."""
    policy = dict(DEFAULT_POLICY)
    overrides = apiauth_settings.SECURITY_HEADERS.get("CSP") or {}
    for directive, sources in overrides.items():
        if sources is None:
            policy.pop(directive, None)
        else:
            policy[directive] = tuple(sources)
    return policy


def extend(policy: dict[str, tuple[str, ...]], extra: Directives) -> dict[str, tuple[str, ...]]:
    """``policy`` with ``extra`` sources added. A directive missing from the policy starts from what
    ``default-src`` allowed, since that is what the browser enforced for it until now."""
    merged = dict(policy)
    for directive, sources in extra.items():
        base = merged.get(directive, merged.get("default-src", ()))
        merged[directive] = base + tuple(s for s in sources if s not in base)
    return merged


def serialize(policy: Mapping[str, Iterable[str]]) -> str:
    return "; ".join(" ".join((directive, *sources)) for directive, sources in policy.items())


def policy_for(response: HttpResponseBase) -> str:
    """The header value for ``response``: the configured policy plus the view's own extension."""
    policy = configured_policy()
    extra = getattr(response, RESPONSE_ATTRIBUTE, None)
    if extra:
        policy = extend(policy, extra)
    return serialize(policy)


def add_sources(response: HttpResponseBase, directives: Directives) -> None:
    """Widen the CSP of this one response (several calls accumulate)."""
    current: dict[str, tuple[str, ...]] = dict(getattr(response, RESPONSE_ATTRIBUTE, None) or {})
    for directive, sources in directives.items():
        current[directive] = current.get(directive, ()) + tuple(sources)
    setattr(response, RESPONSE_ATTRIBUTE, current)


def csp_extend(**directives: Iterable[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: ``@csp_extend(img_src=["'self'", "data:"])`` (underscores become dashes).

    Works on sync and async function views.
    """
    normalised = {name.replace("_", "-"): tuple(sources) for name, sources in directives.items()}

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        from asgiref.sync import iscoroutinefunction

        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                response = await view(request, *args, **kwargs)
                add_sources(response, normalised)
                return response

            return async_wrapper

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            response = view(request, *args, **kwargs)
            add_sources(response, normalised)
            return response

        return wrapper

    return decorate
