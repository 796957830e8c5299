"""Tokens of the client_credentials grant authenticate a client, never a user, in both JWT classes."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from django_apiauth.drf.jwt_authentication import JWTAuthentication, StatelessJWTAuthentication
from django_apiauth.drf.scopes import HasScope
from django_apiauth.jwt.access import issue_access_token, verify_access_token
from django_apiauth.scopes.principals import ClientPrincipal
from tests.support.oauth import basic, confidential, token_request

pytestmark = pytest.mark.django_db


def client_token(app: Any, scope: str = "read") -> str:
    from django.test import Client

    response = token_request(
        Client(), {"grant_type": "client_credentials", "scope": scope}, **basic(app.client.client_id, app.secret)
    )
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


class Probe(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        auth = request.auth
        return Response(
            {
                "user_authenticated": request.user.is_authenticated,
                "user_pk": getattr(request.user, "pk", None),
                "principal": isinstance(auth, ClientPrincipal),
                "client_id": getattr(auth, "client_id", None),
            }
        )


class ScopedProbe(Probe):
    permission_classes = [HasScope]
    required_scopes = ["read"]


def call(view: type[APIView], token: str, authentication: type[JWTAuthentication]) -> Any:
    view.authentication_classes = [authentication]
    request = APIRequestFactory().get("/probe/", HTTP_AUTHORIZATION=f"Bearer {token}")
    response = view.as_view()(request)
    response.render()
    return response


def test_access_token_claims_follow_rfc9068(settings: Any) -> None:
    app = confidential()
    claims = verify_access_token(client_token(app))
    assert claims["sub"] == app.client.client_id
    assert claims["client_id"] == app.client.client_id
    assert claims["scope"] == "read"
    assert claims["gty"] == "client_credentials"


@pytest.mark.parametrize("authentication", [JWTAuthentication, StatelessJWTAuthentication])
def test_client_token_is_a_principal_and_never_a_user(user: Any, authentication: Any) -> None:
    app = confidential()
    # The worst case: an administrator gives a client the id of an existing user.
    app.client.client_id = str(user.pk)
    app.client.save()
    from django_apiauth.oauth.clients import rotate_secret

    app_secret = rotate_secret(app.client)
    response = call(Probe, client_token(type(app)(client=app.client, secret=app_secret)), authentication)
    assert response.status_code == 200
    assert response.data == {"user_authenticated": False, "user_pk": None, "principal": True, "client_id": str(user.pk)}


@pytest.mark.parametrize("authentication", [JWTAuthentication, StatelessJWTAuthentication])
def test_has_scope_accepts_oauth_scopes(authentication: Any) -> None:
    app = confidential()
    assert call(ScopedProbe, client_token(app, "read"), authentication).status_code == 200
    assert call(ScopedProbe, client_token(app, "write"), authentication).status_code == 403


def test_user_token_whose_sub_equals_a_client_id_stays_a_user(user: Any) -> None:
    app = confidential()
    token = issue_access_token(user, scopes=["read"], client_id=app.client.client_id).token
    response = call(Probe, token, JWTAuthentication)
    assert response.data["user_authenticated"] is True
    assert response.data["principal"] is False


def test_client_token_is_refused_by_is_authenticated_views() -> None:
    from django.test import Client

    app = confidential()
    response = Client().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {client_token(app)}")
    assert response.status_code in (401, 403)


def test_principal_is_a_machine_without_user_attributes() -> None:
    from django_apiauth.oauth.principal import client_principal

    principal = client_principal({"client_id": "cl_x", "sub": "cl_x", "scope": "read write", "jti": "j"})
    assert principal.client_id == "cl_x"
    assert principal.scopes == frozenset({"read", "write"})
    assert principal.is_machine
    assert not hasattr(principal, "pk")
    assert not hasattr(principal, "is_staff")
