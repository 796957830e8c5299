"""The refresh-token cookie and its CSRF defence.

In ``cookie``/``both`` transport the refresh token travels in a cookie that scripts cannot read
(``HttpOnly``), that only HTTPS carries (``Secure``, except under ``DEBUG``), that no cross-site request
carries (``SameSite=Strict``) and that the browser sends only to the refresh and logout endpoints (one
cookie per ``Path``). Because a cookie is ambient authority, a request relying on it must also prove it
comes from our own pages: it must send the ``REFRESH_COOKIE_CSRF_HEADER`` (a cross-site form cannot set
headers, a cross-origin script cannot without a CORS preflight) and any ``Origin`` it sends must be ours
or listed in ``REFRESH_COOKIE_ALLOWED_ORIGINS`` (by default the CORS allowed origins).
"""

from __future__ import annotations

from http.cookies import Morsel
from typing import Literal, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from django_apiauth.conf import ApiAuthSettings, apiauth_settings
from django_apiauth.exceptions import CrossSiteRequestRejected, InvalidRequest
from django_apiauth.http_security.cors import refresh_cookie_origins
from django_apiauth.models.refresh import RefreshTokenFamily, RefreshTransport

TRANSPORTS = ApiAuthSettings.REFRESH_TOKEN_TRANSPORT.choices
SameSite = Literal["Strict", "Lax", "None"]
SAMESITE_VALUES = cast("tuple[SameSite, ...]", ApiAuthSettings.REFRESH_COOKIE_SAMESITE.choices)


def _chosen_per_family() -> bool:
    return apiauth_settings.REFRESH_TOKEN_TRANSPORT in ("both",)


def uses_body() -> bool:
    return apiauth_settings.REFRESH_TOKEN_TRANSPORT in ("body", "both")


def uses_cookie() -> bool:
    return apiauth_settings.REFRESH_TOKEN_TRANSPORT in ("cookie", "both")


def family_transport(requested: object) -> RefreshTransport:
    """The transport of a new family: the configured one, or under ``both`` the client's choice (body by default).

    Raises ``InvalidRequest`` for a value other than ``"body"``/``"cookie"``, or one the configuration does not
    offer: a client asking for the cookie must not silently get its token in the body, nor the reverse.
    """
    mode = apiauth_settings.REFRESH_TOKEN_TRANSPORT
    if requested is None:
        return RefreshTransport.COOKIE if mode == "cookie" else RefreshTransport.BODY
    if not isinstance(requested, str) or requested not in RefreshTransport.values:
        raise InvalidRequest('The refresh_transport field must be "body" or "cookie".')
    if mode != "both" and requested != mode:
        raise InvalidRequest(f'This server sends refresh tokens only by "{mode}".')
    return RefreshTransport(requested)


def answers_in_body(family: RefreshTokenFamily) -> bool:
    """Whether this family's refresh tokens go in response bodies (never for a cookie family under ``both``)."""
    if _chosen_per_family():
        return family.transport == RefreshTransport.BODY
    return uses_body()


def answers_in_cookie(family: RefreshTokenFamily) -> bool:
    """Whether this family's refresh tokens are set in the cookie."""
    if _chosen_per_family():
        return family.transport == RefreshTransport.COOKIE
    return uses_cookie()


def cookie_paths() -> tuple[str, ...]:
    """The configured paths, else the refresh and logout endpoints wherever the app's URLconf is mounted.

    Projects routing the views without ``include("django_apiauth.urls")`` must set ``REFRESH_COOKIE_PATHS``.
    """
    configured = apiauth_settings.REFRESH_COOKIE_PATHS
    return configured or (reverse("apiauth:refresh"), reverse("apiauth:logout"))


def set_refresh_cookie(response: HttpResponseBase, token: str, max_age: int) -> None:
    """Set the cookie on every path; ``max_age`` is the token's remaining life."""
    _set_on_paths(response, token, max_age)


def clear_refresh_cookie(response: HttpResponseBase) -> None:
    """Expire the cookie on every path (logout, refused refresh)."""
    _set_on_paths(response, "", 0, expires="Thu, 01 Jan 1970 00:00:00 GMT")


def _set_on_paths(response: HttpResponseBase, value: str, max_age: int, expires: str | None = None) -> None:
    # One cookie name on several paths needs one Set-Cookie header per path, but ``response.cookies`` is
    # keyed by name: the extra morsels are stored under keys no real cookie name can have (a space), and
    # every morsel still renders its own name.
    name = apiauth_settings.REFRESH_COOKIE_NAME
    morsels: dict[str, Morsel[str]] = {}
    for path in cookie_paths():
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            secure=not settings.DEBUG,
            httponly=True,
            samesite=_samesite(),
        )
        morsels[f"{name} {path}" if morsels else name] = response.cookies.pop(name)
    for key, morsel in morsels.items():
        response.cookies[key] = morsel


def _samesite() -> SameSite:
    """The configured value; anything unknown (reported by ``apiauth.E031``) falls back to the strictest."""
    configured = apiauth_settings.REFRESH_COOKIE_SAMESITE
    for value in SAMESITE_VALUES:
        if configured == value:
            return value
    return "Strict"


def read_refresh_cookie(request: HttpRequest) -> str | None:
    """The cookie's token, after the CSRF checks; ``None`` when no (non-empty) cookie was sent."""
    token = request.COOKIES.get(apiauth_settings.REFRESH_COOKIE_NAME)
    if not token:
        return None
    enforce_same_origin(request, cookie_used=True)
    return token


def enforce_same_origin(request: HttpRequest, *, cookie_used: bool) -> None:
    """Refuse foreign ``Origin`` headers; when the cookie is used, also require the CSRF header.

    Raises ``CrossSiteRequestRejected`` (403 ``access_denied``).
    """
    origin = request.headers.get("Origin")
    if cookie_used:
        header = apiauth_settings.REFRESH_COOKIE_CSRF_HEADER
        if header and not request.headers.get(header):
            raise CrossSiteRequestRejected(f"Requests using the refresh-token cookie must send the {header} header.")
        if not header and origin is None:
            raise CrossSiteRequestRejected("Requests using the refresh-token cookie must send an Origin header.")
    if origin is not None and not _origin_allowed(origin, request):
        raise CrossSiteRequestRejected("The request's Origin is not allowed to use the refresh-token cookie.")


def _origin_allowed(origin: str, request: HttpRequest) -> bool:
    own = f"{request.scheme}://{request.get_host()}"
    allowed = {own, *refresh_cookie_origins()}
    return origin.lower() in {entry.lower().rstrip("/") for entry in allowed}
