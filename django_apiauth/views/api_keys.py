"""Self-service API-key endpoints (``/auth/api-keys/...``): thin views over ``api_keys.service``.

Only the user themselves (our access token, a session or any other default scheme) may manage keys: API-key
authentication is refused here, so a leaked key cannot mint, rotate or revoke keys.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from django_apiauth.api_keys.scopes import grantable_scopes
from django_apiauth.api_keys.service import (
    IssuedKey,
    create_api_key,
    get_owned_key,
    keys_of,
    revoke_api_key,
    rotate_api_key,
)
from django_apiauth.drf.mfa import RecentMFAToCreateKeys
from django_apiauth.drf.scopes import scopes_of
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.throttling.drf import APIKeysRateThrottle
from django_apiauth.views.api_key_serializers import CreateAPIKeyInput, describe_key
from django_apiauth.views.base import AppEndpoint

#: A user holds at most ``API_KEY_MAX_PER_USER`` usable keys; revoked ones are listed up to this many in all.
LIST_LIMIT = 500


class KeyManagementView(AppEndpoint):
    """The signed-in user's own keys; ``AppEndpoint`` refuses API keys as the credential."""

    throttle_classes = [APIKeysRateThrottle]
    apiauth_endpoint = Endpoint.CREDENTIAL  # new and rotated keys are shown here once
    permission_classes = [IsAuthenticated, RecentMFAToCreateKeys]


class APIKeyListView(KeyManagementView):
    def get(self, request: Request) -> Response:
        now = timezone.now()
        return Response([describe_key(key, now) for key in keys_of(request.user)[:LIST_LIMIT]])

    def post(self, request: Request) -> Response:
        payload = CreateAPIKeyInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        issued = create_api_key(
            owner=request.user,
            name=data["name"],
            scopes=data["scopes"],
            lifetime=data.get("expires_in", "default"),
            may_grant=grantable_scopes(request.user, scopes_of(request.auth)),
            request=request._request,
            source="api",
        )
        return _with_plaintext(issued, status.HTTP_201_CREATED)


class APIKeyDetailView(KeyManagementView):
    def get(self, request: Request, key_id: int) -> Response:
        return Response(describe_key(get_owned_key(request.user, key_id), timezone.now()))

    def delete(self, request: Request, key_id: int) -> Response:
        revoke_api_key(key_id, owner=request.user, request=request._request, source="api")
        return Response(status=status.HTTP_204_NO_CONTENT)


class APIKeyRotateView(KeyManagementView):
    def post(self, request: Request, key_id: int) -> Response:
        issued = rotate_api_key(key_id, owner=request.user, request=request._request, source="api")
        return _with_plaintext(issued, status.HTTP_200_OK)


def _with_plaintext(issued: IssuedKey, status_code: int) -> Response:
    """The one response that ever carries the full key."""
    return Response({**describe_key(issued.key, timezone.now()), "key": issued.plaintext}, status=status_code)
