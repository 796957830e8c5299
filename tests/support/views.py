"""Views the library's own tests route to: a protected "who am I" and a scoped list (``tests/urls.py``)."""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apiauth.drf.scopes import HasScope, auth_scheme, scopes_of


class WhoAmI(APIView):
    """Who is calling, with which scheme and scopes: what most authentication tests assert on."""

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


class Reports(APIView):
    """Any credential of ours carrying ``reports:read``."""

    permission_classes = [HasScope]
    required_scopes = ["reports:read"]

    def get(self, request: Request) -> Response:
        return Response({"reports": []})
