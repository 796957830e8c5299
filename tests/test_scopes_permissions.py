"""``HasScope`` fails closed; ``IsService`` / ``IsUserOrService`` admit machines only where views opt in."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from django_apiauth.api_keys.cache import AuthenticatedKey
from django_apiauth.drf import scopes as drf_scopes
from django_apiauth.drf.scopes import HasScope, IsService, IsUserOrService, credential_scopes
from django_apiauth.scopes.principals import ClientPrincipal, Principal

pytestmark = pytest.mark.django_db


def _echo(view: APIView, request: Request) -> Response:
    return Response({"user": str(request.user)})


class AnyCredential(APIView):
    permission_classes = [HasScope]
    required_scopes: list[str] = []
    get = _echo  # type: ignore[assignment]


class Forgetful(APIView):
    permission_classes = [HasScope]
    get = _echo  # type: ignore[assignment]


class Letters(APIView):
    permission_classes = [HasScope]
    required_scopes = "read"  # a bare string: a list of letters, refused
    get = _echo  # type: ignore[assignment]


class ServiceOnly(APIView):
    permission_classes = [IsService]
    get = _echo  # type: ignore[assignment]


class Either(APIView):
    permission_classes = [IsUserOrService]
    get = _echo  # type: ignore[assignment]


def _call(view: type[APIView], user: Any = None, auth: Any = None) -> Any:
    request = APIRequestFactory().get("/")
    if user is not None or auth is not None:
        force_authenticate(request, user=user or AnonymousUser(), token=auth)
    return view.as_view()(request)


def _service_key(scopes: frozenset[str] = frozenset({"read"})) -> AuthenticatedKey:
    return AuthenticatedKey(1, "cron", "lookup", scopes, None, "nightly-export")


def test_empty_required_scopes_refuses_anonymous_callers() -> None:
    response = _call(AnyCredential)
    assert response.status_code in (401, 403)
    assert response.status_code != 200


class SessionAnyCredential(AnyCredential):
    authentication_classes = [SessionAuthentication]


def test_empty_required_scopes_refuses_a_session_user(user: Any) -> None:
    request = APIRequestFactory().get("/")
    request.user = user  # what AuthenticationMiddleware leaves for SessionAuthentication

    response = SessionAnyCredential.as_view()(request)

    assert response.status_code == 403
    assert response.data["error"] == "access_denied"


def test_a_session_user_is_refused_by_has_scope(user: Any) -> None:
    client = APIClient()
    client.force_login(user)  # a Django session: SessionAuthentication gives the user and no credential

    response = client.get("/api/reports/")

    assert response.status_code == 403
    assert response.data["error"] == "access_denied"


@pytest.mark.parametrize(
    "auth",
    [{"sub": "1", "scope": ""}, AuthenticatedKey(1, "k", "l", frozenset(), None)],
    ids=["token", "user-key"],
)
def test_empty_required_scopes_admits_any_user_credential(user: Any, auth: Any) -> None:
    assert _call(AnyCredential, user, auth).status_code == 200


def test_empty_required_scopes_admits_a_service_key() -> None:
    assert _call(AnyCredential, auth=_service_key()).status_code == 200


def test_a_claims_dict_without_a_user_is_not_a_credential() -> None:
    assert _call(AnyCredential, AnonymousUser(), {"scope": "read"}).status_code == 403


@pytest.mark.parametrize("view", [Forgetful, Letters])
def test_missing_or_malformed_required_scopes_is_refused_and_logged_once(
    view: type[APIView], user: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drf_scopes, "_reported_views", set())
    with caplog.at_level(logging.ERROR, logger="django_apiauth.scopes"):
        first = _call(view, user, {"scope": "read r e a d"})
        second = _call(view, user, {"scope": "read r e a d"})

    assert first.status_code == second.status_code == 403
    name = f"{view.__module__}.{view.__qualname__}"
    assert [r.getMessage() for r in caplog.records].count(
        f"{name} uses HasScope without a required_scopes list: every request is refused"
    ) == 1


def test_service_key_passes_is_service_and_either() -> None:
    assert _call(ServiceOnly, auth=_service_key()).status_code == 200
    assert _call(Either, auth=_service_key()).status_code == 200


def test_an_oauth_client_principal_is_a_machine() -> None:
    client = ClientPrincipal("partner-app", frozenset({"read"}))
    assert _call(ServiceOnly, auth=client).status_code == 200
    assert client.client_id == "partner-app"
    assert client.service is None
    assert "partner-app" in repr(client)


def test_users_are_not_services(user: Any) -> None:
    assert _call(ServiceOnly, user, {"scope": "read"}).status_code == 403
    assert _call(ServiceOnly, user, AuthenticatedKey(1, "k", "l", frozenset(), None)).status_code == 403
    assert _call(Either, user, {"scope": ""}).status_code == 200


def test_nobody_is_refused_by_either() -> None:
    assert _call(Either).status_code in (401, 403)


def test_credential_scopes_of_each_shape(user: Any) -> None:
    request = Request(APIRequestFactory().get("/"))
    request._user, request._auth = AnonymousUser(), None  # type: ignore[attr-defined]
    assert credential_scopes(request) is None
    request._auth = _service_key(frozenset({"a", "b"}))  # type: ignore[attr-defined]
    assert credential_scopes(request) == {"a", "b"}
    request._user, request._auth = user, {"scope": "x y"}  # type: ignore[attr-defined]
    assert credential_scopes(request) == {"x", "y"}


def test_a_plain_principal_names_no_machine() -> None:
    class Bare(Principal):
        scopes = frozenset({"read"})

    assert Bare().is_machine is False
    assert Bare().service is None
    assert Bare().client_id is None


class PlainAuthenticated(APIView):
    permission_classes = [IsAuthenticated]
    get = _echo  # type: ignore[assignment]


def test_is_authenticated_alone_refuses_a_service_key() -> None:
    assert _call(PlainAuthenticated, auth=_service_key()).status_code == 403
