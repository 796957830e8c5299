"""The example API: who is calling and how, and a report list that needs the ``reports:read`` scope."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apiauth.drf.scopes import HasScope, auth_scheme, scopes_of
from django_apiauth.openapi.views import READ_ERRORS, error_responses

#: Static sample data: the point of the view is its permission, not its content.
SAMPLE_REPORTS = [
    {"id": 1, "title": "Monthly sign-ins", "period": "2026-10"},
    {"id": 2, "title": "API keys in use", "period": "2026-10"},
]


WHOAMI = inline_serializer(
    "WhoAmI",
    {
        "user": serializers.CharField(allow_null=True),
        "auth": serializers.CharField(allow_null=True),
        "scopes": serializers.ListField(child=serializers.CharField()),
    },
)
REPORT = inline_serializer(
    "Report", {"id": serializers.IntegerField(), "title": serializers.CharField(), "period": serializers.CharField()}
)
REPORTS = inline_serializer("Reports", {"reports": serializers.ListField(child=REPORT)})


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Who is calling, and how", responses={200: WHOAMI, **error_responses(*READ_ERRORS)})
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
    """``GET /api/reports/``: any credential carrying ``reports:read`` (granted to staff at login, or a key)."""

    permission_classes = [HasScope]
    required_scopes = ["reports:read"]

    @extend_schema(summary="Sample reports", responses={200: REPORTS, **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        return Response({"reports": SAMPLE_REPORTS})
