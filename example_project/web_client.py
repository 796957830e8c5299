"""The single-page client served at ``/``: one HTML shell; everything else is static files and the public API.

The page's scripts talk to the API named by ``WEB_CLIENT_API_BASE`` (empty: the page's own origin). Another
origin is how ``make demo-cors`` and the browser tests prove that CORS plus the refresh cookie work across
origins exactly as configured. The shell sets its own strict Content-Security-Policy: scripts and styles
only from files of this origin, images also as ``data:`` (the QR code), requests only to this origin and
the API.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView


def api_base() -> str:
    """The API's origin, without a trailing slash; read at request time so tests can point it elsewhere."""
    base = str(getattr(settings, "WEB_CLIENT_API_BASE", "") or "").rstrip("/")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ImproperlyConfigured("WEB_CLIENT_API_BASE must be an origin such as http://127.0.0.1:8000")
    return base


def content_security_policy(base: str) -> str:
    connect = f"'self' {base}" if base else "'self'"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    base = api_base()
    response = render(request, "web_client/index.html", {"api_base": base})
    response["Content-Security-Policy"] = content_security_policy(base)
    response["Permissions-Policy"] = "clipboard-write=(self), camera=(), microphone=(), geolocation=()"
    response["Cache-Control"] = "no-store"
    return response


favicon = RedirectView.as_view(url=static("web_client/favicon.svg"), permanent=True)
