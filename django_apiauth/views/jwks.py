"""``GET /auth/jwks.json`` (and ``/.well-known/jwks.json`` in the example project): the public key set."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from django_apiauth.conf import apiauth_settings
from django_apiauth.jwt.jwks import published_jwks
from django_apiauth.views.plain import PublicDocumentView


def _etag_matches(header: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


class JWKSView(PublicDocumentView):
    """Public and cacheable: ``Cache-Control: public, max-age=JWKS_MAX_AGE``, a strong ``ETag``, ``304``."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        body, etag = published_jwks()
        if _etag_matches(request.headers.get("If-None-Match", ""), etag):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = f"public, max-age={int(apiauth_settings.JWKS_MAX_AGE.total_seconds())}"
        # Public keys are public: any origin's verifier may fetch them.
        response["Access-Control-Allow-Origin"] = "*"
        return response
