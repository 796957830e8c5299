"""The example API: one protected endpoint that reports who is calling and how."""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apiauth.drf.scopes import auth_scheme, scopes_of


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "user": user.get_username() if user and user.is_authenticated else None,
                "auth": auth_scheme(request),
                "scopes": sorted(scopes_of(request.auth)),
            }
        )
