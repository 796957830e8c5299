"""The security headers added to every response, each only when the response does not carry it already.

Defaults (each overridable in ``APIAUTH["SECURITY_HEADERS"]``): ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: same-origin`` (``no-referrer`` on the app's HTML pages, whose URLs may carry OAuth
parameters), ``Cross-Origin-Opener-Policy: same-origin``, ``Cross-Origin-Resource-Policy: same-origin``
(``cross-origin`` on public documents such as the JWKS, which other origins' verifiers fetch), a
``Permissions-Policy`` that turns powerful features off (``clipboard-write`` stays with the page's own
origin, for copy buttons), ``Strict-Transport-Security`` on secure requests, and the CSP on HTML responses.
Place the middleware right after Django's ``SecurityMiddleware``: headers a project configured there
(``SECURE_REFERRER_POLICY`` and friends) are left to it. Credential endpoints always get
``Cache-Control: no-store``: a token in a shared cache is a leaked token.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from django_apiauth.conf import apiauth_settings
from django_apiauth.http_security import csp
from django_apiauth.http_security.endpoints import Endpoint

DISABLED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
DEFAULT_PERMISSIONS_POLICY = ", ".join([*(f"{feature}=()" for feature in DISABLED_FEATURES), "clipboard-write=(self)"])

#: Headers Django's ``SecurityMiddleware`` writes from a setting: a project that set the setting keeps its value.
DJANGO_SETTING_OF = {
    "X-Content-Type-Options": "SECURE_CONTENT_TYPE_NOSNIFF",
    "Referrer-Policy": "SECURE_REFERRER_POLICY",
    "Cross-Origin-Opener-Policy": "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "Strict-Transport-Security": "SECURE_HSTS_SECONDS",
}

DEFAULTS: dict[str, Any] = {
    "CSP": {},
    "HSTS_SECONDS": 31_536_000,
    "HSTS_INCLUDE_SUBDOMAINS": False,
    "HSTS_PRELOAD": False,
    "REFERRER_POLICY": "same-origin",
    "HTML_REFERRER_POLICY": "no-referrer",
    "CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "CROSS_ORIGIN_RESOURCE_POLICY": "same-origin",
    "PERMISSIONS_POLICY": DEFAULT_PERMISSIONS_POLICY,
}


def option(name: str) -> Any:
    """One ``SECURITY_HEADERS`` entry, or its default."""
    return apiauth_settings.SECURITY_HEADERS.get(name, DEFAULTS[name])


def is_html(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").split(";", 1)[0].strip().lower() == "text/html"


def add_security_headers(request: HttpRequest, response: HttpResponseBase, kind: Endpoint) -> None:
    """Fill in every header the response lacks; never overwrite one the view or the project set."""
    html_page = kind is Endpoint.HTML_PAGE
    referrer = option("HTML_REFERRER_POLICY") if html_page else option("REFERRER_POLICY")
    corp = "cross-origin" if kind is Endpoint.PUBLIC_DOCUMENT else option("CROSS_ORIGIN_RESOURCE_POLICY")
    wanted = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": referrer,
        "Cross-Origin-Opener-Policy": option("CROSS_ORIGIN_OPENER_POLICY"),
        "Cross-Origin-Resource-Policy": corp,
        "Permissions-Policy": option("PERMISSIONS_POLICY"),
    }
    if request.is_secure() and option("HSTS_SECONDS"):
        wanted["Strict-Transport-Security"] = _hsts()
    if is_html(response) or html_page:
        wanted["Content-Security-Policy"] = csp.policy_for(response)
    for name, value in wanted.items():
        if value and name not in response and not _left_to_django(name):
            response[name] = value
    if kind is Endpoint.CREDENTIAL:
        response["Cache-Control"] = "no-store"


def _left_to_django(header: str) -> bool:
    setting = DJANGO_SETTING_OF.get(header)
    # ``is_overridden`` is on the lazy settings wrapper; django-stubs types ``settings`` as the inner object.
    return setting is not None and bool(settings.is_overridden(setting))  # type: ignore[misc]


def _hsts() -> str:
    parts = [f"max-age={int(option('HSTS_SECONDS'))}"]
    if option("HSTS_INCLUDE_SUBDOMAINS"):
        parts.append("includeSubDomains")
    if option("HSTS_PRELOAD"):
        parts.append("preload")
    return "; ".join(parts)
