"""``SecurityHeadersMiddleware``: HTTPS for credentials, the CORS classification and the security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from django_apiauth.http_security import cors
from django_apiauth.http_security.endpoints import Endpoint, kind_of_request
from django_apiauth.http_security.headers import add_security_headers
from django_apiauth.http_security.https import https_required
from django_apiauth.views.errors import error_response

GetResponse = Callable[[HttpRequest], Any]


class SecurityHeadersMiddleware:
    """Refuses credentials over plain HTTP, then adds the headers the response lacks.

    Sync and async capable: under ASGI it runs on the event loop with no thread switch (it does no I/O).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        refusal = self.refuse(request)
        response: HttpResponseBase = refusal or self.get_response(request)
        return self.finish(request, response)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        refusal = self.refuse(request)
        response: HttpResponseBase = refusal or await self.get_response(request)
        return self.finish(request, response)

    @staticmethod
    def refuse(request: HttpRequest) -> HttpResponseBase | None:
        if https_required(request):
            return error_response("invalid_request", "HTTPS required", 400)
        return None

    @staticmethod
    def finish(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        kind = kind_of_request(request)
        cors.restrict(request, response, kind)
        add_security_headers(request, response, kind)
        return response


__all__ = ["Endpoint", "SecurityHeadersMiddleware"]
