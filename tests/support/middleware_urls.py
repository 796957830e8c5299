"""Views protected by ``AuthenticationMiddleware`` and the ``require_*`` decorators, sync and async."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apiauth.decorators import require_auth, require_scopes
from django_apiauth.drf.scopes import scopes_of


def describe(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    auth = getattr(request, "auth", None)
    return {
        "user": user.get_username() if user.is_authenticated else None,
        "auth": auth.__class__.__name__ if auth else None,
        "scopes": sorted(scopes_of(auth)),
    }


@require_auth
def sync_whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@require_auth
async def async_whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@require_scopes("read")
def sync_read(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@require_scopes("write")
async def async_write(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@csrf_exempt
@require_auth
def exempt_post(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@require_auth
def unexempt_post(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


def untouched(request: HttpRequest) -> JsonResponse:
    """Never reads ``request.user`` or ``request.auth``: the credential must not even be verified."""
    return JsonResponse({"ok": True})


def whoever(request: HttpRequest) -> JsonResponse:
    """Reads the identity without requiring one: session users, refused credentials and anonymous alike."""
    return JsonResponse(describe(request))


async def awhoever(request: HttpRequest) -> JsonResponse:
    user = await request.auser()  # type: ignore[attr-defined]
    return JsonResponse({"user": user.get_username() if user.is_authenticated else None})


class SessionOnly(APIView):
    """A DRF view trusting sessions only: an API credential must not slip in through the middleware."""

    authentication_classes = [SessionAuthentication]

    def get(self, request: Request) -> Response:
        return Response({"user": request.user.get_username()})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("sync/", sync_whoami),
    path("async/", async_whoami),
    path("sync-read/", sync_read),
    path("async-write/", async_write),
    path("exempt-post/", exempt_post),
    path("unexempt-post/", unexempt_post),
    path("untouched/", untouched),
    path("whoever/", whoever),
    path("awhoever/", awhoever),
    path("drf-session-only/", SessionOnly.as_view()),
    path("auth/", include("django_apiauth.urls")),
]
