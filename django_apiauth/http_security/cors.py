"""CORS through django-cors-headers, configured from ``APIAUTH["CORS"]``, with our endpoints classified.

django-cors-headers stays the one implementation of the protocol. We hook into it, never copy it:

* its ``check_request_enabled`` signal lets an origin of ``APIAUTH["CORS"]["ALLOWED_ORIGINS"]`` through on
  every endpoint that may answer CORS at all;
* :func:`restrict` (run by ``SecurityHeadersMiddleware`` around ``CorsMiddleware``) then applies our
  classification to the answer: HTML pages (the admin, OAuth authorize/consent) lose every CORS header,
  whatever the project's own ``CORS_*`` settings say; credential endpoints answer only allowed origins;
  public documents answer any origin without credentials; and ``ALLOW_CREDENTIALS``/``EXPOSE_HEADERS`` of
  ``APIAUTH["CORS"]`` are added for the origins it allowed.

A project that configures django-cors-headers itself keeps working: its origins are answered as before
(except on HTML pages) and the deploy checks read both places.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from django_apiauth.conf import apiauth_settings, user_settings
from django_apiauth.http_security.endpoints import Endpoint, kind_of_request

DEFAULT_EXPOSE_HEADERS = ("RateLimit", "RateLimit-Policy", "Retry-After", "WWW-Authenticate")
CORS_OPTIONS = ("ALLOWED_ORIGINS", "ALLOW_CREDENTIALS", "EXPOSE_HEADERS")
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
#: django-cors-headers' settings that allow origins (old and new names).
PROJECT_ORIGIN_SETTINGS = (
    "CORS_ALLOWED_ORIGINS",
    "CORS_ORIGIN_WHITELIST",
    "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ORIGIN_REGEX_WHITELIST",
    "CORS_ALLOW_ALL_ORIGINS",
    "CORS_ORIGIN_ALLOW_ALL",
)


def cors_option(name: str) -> Any:
    config = apiauth_settings.CORS
    if name == "EXPOSE_HEADERS":
        return tuple(config.get(name, DEFAULT_EXPOSE_HEADERS))
    if name == "ALLOW_CREDENTIALS":
        return bool(config.get(name, False))
    return tuple(_normalise(origin) for origin in config.get(name, ()) if isinstance(origin, str))


def _normalise(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def allowed_origins() -> tuple[str, ...]:
    """Our allowed origins, else django-cors-headers' explicit list: one list to maintain."""
    ours: tuple[str, ...] = cors_option("ALLOWED_ORIGINS")
    if ours:
        return ours
    theirs: Any = getattr(settings, "CORS_ALLOWED_ORIGINS", None) or getattr(settings, "CORS_ORIGIN_WHITELIST", ())
    return tuple(_normalise(origin) for origin in theirs if isinstance(origin, str))


def refresh_cookie_origins() -> tuple[str, ...]:
    """``REFRESH_COOKIE_ALLOWED_ORIGINS`` when the project set it, else the CORS allowed origins."""
    if "REFRESH_COOKIE_ALLOWED_ORIGINS" in user_settings():
        return apiauth_settings.REFRESH_COOKIE_ALLOWED_ORIGINS
    return allowed_origins()


def _origin_of(request: HttpRequest) -> str | None:
    origin = request.headers.get("Origin")
    if not origin:
        return None
    try:
        urlsplit(origin)
    except ValueError:
        return None
    return _normalise(origin)


def origin_allowed_by_us(request: HttpRequest) -> bool:
    origin = _origin_of(request)
    return origin is not None and origin != "*" and origin in cors_option("ALLOWED_ORIGINS")


def request_enabled(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """``check_request_enabled`` receiver: our allowed origins, on endpoints that may answer CORS."""
    if not origin_allowed_by_us(request):
        return False
    return kind_of_request(request) is not Endpoint.HTML_PAGE


def restrict(request: HttpRequest, response: HttpResponseBase, kind: Endpoint) -> None:
    """Apply the endpoint classification to the CORS headers django-cors-headers wrote."""
    if ALLOW_ORIGIN not in response:
        return
    if kind is Endpoint.HTML_PAGE:
        _strip(response)
    elif kind is Endpoint.PUBLIC_DOCUMENT:
        response[ALLOW_ORIGIN] = "*"
        response.headers.pop(ALLOW_CREDENTIALS, None)
    elif kind is Endpoint.CREDENTIAL and _origin_of(request) not in allowed_origins():
        _strip(response)
    elif origin_allowed_by_us(request):
        _add_our_options(response)


def _add_our_options(response: HttpResponseBase) -> None:
    if cors_option("ALLOW_CREDENTIALS"):
        response[ALLOW_CREDENTIALS] = "true"
    exposed = cors_option("EXPOSE_HEADERS")
    if exposed and EXPOSE_HEADERS not in response:
        response[EXPOSE_HEADERS] = ", ".join(exposed)


def _strip(response: HttpResponseBase) -> None:
    for name in [name for name in response.headers if name.lower().startswith("access-control-")]:
        del response.headers[name]
