"""``GET /auth/jwks.json`` (and ``/.well-known/jwks.json`` in the example project): the public key set."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from django_apiauth.conf import apiauth_settings
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.jwt.jwks import published_jwks
from django_apiauth.views.errors import error_response


def _etag_matches(header: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


@method_decorator(csrf_exempt, name="dispatch")
class JWKSView(View):
    """Public and cacheable: ``Cache-Control: public, max-age=JWKS_MAX_AGE``, a strong ``ETag``, ``304``.

    CSRF-exempt because it never changes state and uses no cookie: otherwise ``CsrfViewMiddleware`` would
    answer a POST with Django's HTML 403 page before the view could give its JSON 405.
    """

    http_method_names = ["get", "head", "options"]
    apiauth_endpoint = Endpoint.PUBLIC_DOCUMENT

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

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return error_response(
            "method_not_allowed", "The JWKS is read-only.", 405, headers={"Allow": "GET, HEAD, OPTIONS"}
        )
