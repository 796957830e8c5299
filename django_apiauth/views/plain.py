"""Bases of the app's plain Django views (the ones DRF does not serve) and how they refuse a method.

Lock contention in the database (a write lock waited for in vain, see ``db_contention``) is answered 503
with ``Retry-After`` by the JSON views, as the DRF exception handler does for the DRF views: these views are
not DRF's. Form pages answer it with their own error page.

A method a view does not serve is answered 405 with an ``Allow`` header (RFC 9110 §15.5.6): in the app's
JSON error shape by the JSON endpoints, as Django's plain 405 by the HTML pages. ``CsrfViewMiddleware`` runs
before any view and refuses every unsafe method without a token, so without care a PUT would be answered as
a forgery (403) instead: public documents are CSRF-exempt (they change nothing and read no cookie), and form
pages check the method before their CSRF check, which still guards every POST.
"""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from django_apiauth.db_contention import busy_refusal
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.views.errors import error_response


class JSONView(View):
    """A plain view whose answers are JSON: a method it does not serve gets the app's JSON 405, a database
    too busy to answer the JSON 503."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except OperationalError as exc:
            refusal = busy_refusal(exc, type(self).__qualname__)
        headers = {"Retry-After": str(refusal.retry_after)}
        return error_response(refusal.error, refusal.description, refusal.status_code, headers)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed = ", ".join(name.upper() for name in self.http_method_names if hasattr(self, name))
        return error_response("method_not_allowed", f"This endpoint accepts {allowed} only.", 405, {"Allow": allowed})


@method_decorator(csrf_exempt, name="dispatch")
class PublicDocumentView(JSONView):
    """A read-only JSON document any origin may fetch without credentials (the JWKS, the OAuth metadata)."""

    apiauth_endpoint = Endpoint.PUBLIC_DOCUMENT
    http_method_names = ["get", "head", "options"]


@method_decorator(csrf_exempt, name="dispatch")
class FormPage(View):
    """A server-rendered page with a form (GET shows it, POST submits it), under Django's CSRF protection.

    The page does its own CSRF check (``csrf_protect``), so it is protected whether or not the project
    installs ``CsrfViewMiddleware``; the middleware is told to skip it only so that the method is checked first.
    """

    apiauth_endpoint = Endpoint.HTML_PAGE  # never CORS, no referrer
    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (request.method or "").lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return csrf_protect(super().dispatch)(request, *args, **kwargs)
