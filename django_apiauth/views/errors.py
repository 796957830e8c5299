"""OAuth-style JSON error bodies for every client error, including Django's own 400/403/404/500 handlers.

Point ``handler400``/``handler403``/``handler404``/``handler500`` of your root URLconf here so that even
requests that never reach a DRF view (oversized bodies, unknown URLs) answer ``{"error", "error_description"}``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def error_response(error: str, description: str, status: int, headers: dict[str, str] | None = None) -> JsonResponse:
    """The one shape of every error body this app sends."""
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return error_response("invalid_request", "The request could not be understood.", 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return error_response("access_denied", "You do not have permission to perform this action.", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """``CSRF_FAILURE_VIEW``: a refused cross-site POST (cookie-authenticated) answers JSON like the rest."""
    return error_response("access_denied", "CSRF verification failed.", 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> JsonResponse:
    return error_response("not_found", "The requested resource was not found.", 404)


def server_error(request: HttpRequest) -> JsonResponse:
    return error_response("server_error", "The server encountered an unexpected condition.", 500)
