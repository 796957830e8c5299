"""``GET sessions/`` and ``DELETE sessions/<id>/``: a user's live logins, and ending one of them."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from django_apiauth.models.refresh import RefreshTokenFamily
from django_apiauth.refresh.revocation import live_sessions_of, revoke_session
from django_apiauth.views.base import AppEndpoint

MAX_LISTED = 100  # most recently used first; a user with more has bigger problems than a long list


def _current_sid(request: Request) -> str | None:
    sid = request.auth.get("sid") if isinstance(request.auth, dict) else None
    return sid if isinstance(sid, str) else None


def _describe(family: RefreshTokenFamily, current: str | None) -> dict[str, Any]:
    return {
        "id": family.sid,
        "created_at": family.created_at,
        "last_used_at": family.last_used_at,
        "expires_at": family.absolute_expires_at,
        "ip_address": family.ip_address,
        "user_agent": family.user_agent,
        "current": family.sid == current,
    }


class SessionListView(AppEndpoint):
    """The signed-in user's live families; the one behind the presented access token is ``current``."""

    def get(self, request: Request) -> Response:
        user: Any = request.user  # IsAuthenticated: never anonymous here
        families = live_sessions_of(user)
        current = _current_sid(request)
        sessions = [_describe(family, current) for family in families[:MAX_LISTED]]
        return Response({"sessions": sessions})


class SessionDetailView(AppEndpoint):
    """``DELETE`` revokes one of the user's families (404 for another user's or an unknown id)."""

    def delete(self, request: Request, sid: str) -> Response:
        if not revoke_session(request.user, sid, request=request._request):
            raise NotFound("No such live session.")
        return Response(status=204)
