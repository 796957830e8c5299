"""Every API error is answered in the OAuth shape; HasScope fails closed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import OperationalError, connection, connections, transaction
from django.http import Http404
from django.urls import path
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from django_apiauth.drf.exceptions import oauth_exception_handler
from django_apiauth.drf.scopes import HasScope, auth_scheme, scopes_of
from django_apiauth.exceptions import InvalidGrant, InvalidRequest, InvalidToken

factory = APIRequestFactory()


class Raising(APIView):
    permission_classes = [AllowAny]
    exc: Exception = exceptions.APIException()

    def post(self, request: Request) -> Response:
        if "boom" in request.data:
            raise self.exc
        return Response({"ok": True})


class Scoped(APIView):
    permission_classes = [HasScope]
    required_scopes = ["read"]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class Unscoped(Scoped):
    required_scopes = None  # type: ignore[assignment]


urlpatterns = [path("raise/", Raising.as_view())]


@pytest.mark.parametrize(
    ("exc", "status", "error"),
    [
        (exceptions.NotAuthenticated(), 401, "unauthorized"),
        (exceptions.AuthenticationFailed(), 401, "invalid_token"),
        (exceptions.PermissionDenied(), 403, "access_denied"),
        (exceptions.PermissionDenied("no", code="insufficient_scope"), 403, "insufficient_scope"),
        (exceptions.Throttled(wait=3), 429, "rate_limited"),
        (exceptions.NotFound(), 404, "not_found"),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed"),
        (exceptions.UnsupportedMediaType("x/y"), 415, "invalid_request"),
        (exceptions.NotAcceptable(), 406, "invalid_request"),
        (exceptions.ParseError(), 400, "invalid_request"),
        (exceptions.ValidationError({"name": ["required"]}), 400, "invalid_request"),
        (exceptions.ValidationError(["bad"]), 400, "invalid_request"),
        (exceptions.APIException(), 500, "server_error"),
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "access_denied"),
        (InvalidToken(), 401, "invalid_token"),
        (InvalidGrant("used"), 401, "invalid_grant"),
        (InvalidRequest(), 400, "invalid_request"),
    ],
)
def test_exceptions_become_oauth_errors(exc: Exception, status: int, error: str) -> None:
    response = oauth_exception_handler(exc, {"view": Raising(), "request": None})
    assert response is not None
    assert response.status_code == status
    assert response.data["error"] == error
    assert isinstance(response.data["error_description"], str)
    assert response["Cache-Control"] == "no-store"


def test_custom_api_exception_codes_map_by_status() -> None:
    class Teapot(exceptions.APIException):
        status_code = 418
        default_detail = "teapot"

    response = oauth_exception_handler(Teapot(), {"view": Raising(), "request": None})
    assert response is not None
    assert response.data == {"error": "invalid_request", "error_description": "teapot"}


def test_validation_errors_keep_field_messages() -> None:
    response = oauth_exception_handler(exceptions.ValidationError({"name": ["required"]}), {})
    assert response is not None
    assert response.data["fields"] == {"name": ["required"]}


def test_non_api_exceptions_are_left_to_django() -> None:
    assert oauth_exception_handler(ValueError("x"), {}) is None


def test_a_lock_wait_outside_the_services_is_a_503_to_retry() -> None:
    """A view of the project that hits a lock timeout: rolled back, so the client may simply retry."""
    response = oauth_exception_handler(OperationalError("database is locked"), {})

    assert response is not None
    assert response.status_code == 503
    assert response.data["error"] == "temporarily_unavailable"
    assert int(response["Retry-After"]) >= 1


def test_other_database_errors_are_left_to_django() -> None:
    assert oauth_exception_handler(OperationalError("no such table: reports"), {}) is None


def test_apiauth_401_carries_www_authenticate() -> None:
    response = oauth_exception_handler(InvalidToken(), {})
    assert response is not None
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ("\xff\xfe", "application/json"), ("a=1", "text/csv")],
)
def test_malformed_bodies_answer_400_family_json(body: str, content_type: str, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_drf_errors"
    response = APIClient().post("/raise/", body, content_type=content_type)
    assert response.status_code in (400, 415)
    assert response.json()["error"] == "invalid_request"


def test_oversized_body_is_a_json_413(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_drf_errors"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = APIClient().post("/raise/", {"x": "y" * 5000}, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def test_too_many_form_fields_is_a_json_400(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.test_drf_errors"
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=1" for i in range(50))
    response = APIClient().post("/raise/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 413)
    assert response.json()["error"] == "invalid_request"


class _Auth:
    scopes = ["read", "write"]


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (_Auth(), {"read", "write"}),
        ({"scope": "read  write"}, {"read", "write"}),
        ({"scope": 5}, set()),
        ({}, set()),
        (None, set()),
        ("token", set()),
    ],
)
def test_scopes_of(auth: object, expected: set[str]) -> None:
    assert scopes_of(auth) == expected


def _get(view: Any, auth: object) -> Response:
    request = factory.get("/")
    from rest_framework.test import force_authenticate

    force_authenticate(request, user=type("U", (), {"is_authenticated": True})(), token=auth)
    response: Response = view.as_view()(request)
    return response


def test_has_scope_grants_and_refuses() -> None:
    assert _get(Scoped, {"scope": "read"}).status_code == 200
    refused = _get(Scoped, {"scope": "write"})
    assert refused.status_code == 403
    assert refused.data["error"] == "insufficient_scope"


def test_has_scope_fails_closed_without_required_scopes() -> None:
    assert _get(Unscoped, {"scope": "read"}).status_code == 403


def test_auth_scheme_names() -> None:
    class Named:
        scheme_name = "api_key"

    class TokenAuthentication:
        pass

    request: Any = type("R", (), {})()
    assert auth_scheme(request) is None
    request.successful_authenticator = Named()
    assert auth_scheme(request) == "api_key"
    request.successful_authenticator = TokenAuthentication()
    assert auth_scheme(request) == "token"


def test_the_scope_challenge_names_no_scope_when_the_view_lists_them_unordered(user: Any) -> None:
    """``required_scopes`` as a set has no order to name them in: the challenge says only the error."""
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from django_apiauth.drf.jwt_authentication import JWTAuthentication
    from django_apiauth.drf.scopes import HasScope
    from django_apiauth.jwt.access import issue_access_token

    class SetScoped(APIView):
        authentication_classes = [JWTAuthentication]
        permission_classes = [HasScope]
        required_scopes = {"write"}

        def get(self, request: Any) -> Response:
            return Response({})

    token = issue_access_token(user, scopes=["read"]).token
    response = SetScoped.as_view()(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'


@pytest.mark.parametrize(
    ("auth_header", "www_authenticate", "status", "wait", "expected_challenge"),
    [
        ("Bearer", None, 401, None, 'Bearer error="invalid_token"'),
        ('Bearer realm="api"', None, 401, None, 'Bearer realm="api", error="invalid_token"'),
        ("Bearer", 'Api-Key realm="api"', 401, None, 'Api-Key realm="api"'),  # the refusing scheme names itself
        (None, 'Api-Key realm="api"', 403, None, None),  # DRF's 403 without a challenge to give
        (None, None, 403, None, None),
        ("Bearer", None, 401, 7, 'Bearer error="invalid_token"'),
    ],
)
def test_refused_credential_answer(
    auth_header: str | None, www_authenticate: str | None, status: int, wait: int | None, expected_challenge: str | None
) -> None:
    exc: Any = exceptions.AuthenticationFailed("Refused.")
    exc.status_code = status
    for name, value in (("auth_header", auth_header), ("www_authenticate", www_authenticate), ("wait", wait)):
        if value is not None:
            setattr(exc, name, value)
    response = oauth_exception_handler(exc, {})
    assert response is not None
    assert response.status_code == status
    assert response.data == {"error": "invalid_token", "error_description": "Refused."}
    assert response["Cache-Control"] == "no-store"
    assert response.get("WWW-Authenticate") == expected_challenge
    assert response.get("Retry-After") == (None if wait is None else str(wait))


@pytest.mark.django_db(transaction=True)
def test_refused_credential_rolls_back_an_atomic_request_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """As DRF's own handler does: a refusal inside an ``ATOMIC_REQUESTS`` transaction marks it for rollback, and
    a database without ``ATOMIC_REQUESTS`` is left alone."""
    refused = exceptions.AuthenticationFailed("Refused.")
    with transaction.atomic():
        assert oauth_exception_handler(refused, {}) is not None
        assert not connection.get_rollback()
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)
    assert oauth_exception_handler(refused, {}) is not None  # no transaction open: nothing to mark
    with transaction.atomic():
        assert oauth_exception_handler(refused, {}) is not None
        assert connection.get_rollback()


class _YAMLishRenderer:
    """A project renderer that is not JSON: a refusal's body must not depend on it."""

    media_type = "text/x-yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None) -> bytes:
        return b"error: rendered by the project"


def test_a_refused_credential_is_answered_in_json_whatever_the_views_renderer() -> None:
    from django_apiauth.drf.api_key_authentication import APIKeyAuthentication

    class YAMLView(APIView):
        authentication_classes = [APIKeyAuthentication]
        permission_classes = [AllowAny]
        renderer_classes = [_YAMLishRenderer]

        def get(self, request: Request) -> Response:
            return Response({"ok": True})

    response = YAMLView.as_view()(factory.get("/", HTTP_X_API_KEY="apiauth_not-a-key"))
    response.render()
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.data == {"error": "invalid_token", "error_description": response.data["error_description"]}
    assert json.loads(response.content) == response.data
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_other_errors_go_through_the_renderer_the_view_negotiated() -> None:
    """Only refusals are pre-rendered JSON: a 403 keeps DRF's behaviour, so the project's renderer writes it."""

    class YAMLView(APIView):
        authentication_classes: list[Any] = []
        permission_classes = [AllowAny]
        renderer_classes = [_YAMLishRenderer]

        def get(self, request: Request) -> Response:
            raise exceptions.PermissionDenied()

    response = YAMLView.as_view()(factory.get("/"))
    response.render()
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/x-yaml")
    assert response.content == b"error: rendered by the project"
    assert response.data == {
        "error": "access_denied",
        "error_description": str(exceptions.PermissionDenied.default_detail),
    }


def test_a_refusal_is_rendered_as_drfs_json_renderer_would_and_callers_may_change_its_data() -> None:
    """Compact UTF-8 JSON, the bytes DRF's ``JSONRenderer`` writes by default; the ``data`` handed out is a copy,
    so a middleware editing it cannot change the next refusal's answer."""
    from rest_framework.renderers import JSONRenderer

    exc = exceptions.AuthenticationFailed("Zugang verweigert: Schlüssel ungültig.")
    first = oauth_exception_handler(exc, {})
    assert first is not None
    assert first.content == JSONRenderer().render(first.data)
    first.data["error"] = "edited"
    second = oauth_exception_handler(exc, {})
    assert second is not None
    assert second.data["error"] == "invalid_token"
    assert json.loads(second.content) == {
        "error": "invalid_token",
        "error_description": "Zugang verweigert: Schlüssel ungültig.",
    }


def test_a_fractional_wait_is_written_in_whole_seconds_as_drfs_handler_does() -> None:
    exc: Any = exceptions.AuthenticationFailed("Refused.")
    exc.wait = 0.5
    response = oauth_exception_handler(exc, {})
    assert response is not None
    assert response["Retry-After"] == "0"


def test_a_rendered_refusal_has_every_attribute_a_rendered_response_has() -> None:
    """``RenderedRefusal`` sets up by hand what DRF's and Django's constructors set: a new attribute there must
    show up here, or code reading it on a refusal would fail."""
    from rest_framework.renderers import JSONRenderer

    from django_apiauth.drf.exceptions import RenderedRefusal

    data = {"error": "invalid_token", "error_description": "Refused."}
    regular = Response(dict(data), status=401, headers={"Cache-Control": "no-store"})
    regular.accepted_renderer, regular.accepted_media_type, regular.renderer_context = JSONRenderer(), "x", {}
    regular.render()
    refusal = RenderedRefusal(dict(data), 401, {"Content-Type": "application/json"}, JSONRenderer().render(data))
    refusal.accepted_renderer, refusal.accepted_media_type, refusal.renderer_context = JSONRenderer(), "x", {}
    assert refusal.render() is refusal
    assert set(vars(refusal)) == set(vars(regular))
    assert refusal.is_rendered
    assert refusal.content == regular.content
    assert (refusal.status_code, refusal.data, refusal.charset) == (401, data, "utf-8")
    called: list[Any] = []
    refusal.add_post_render_callback(called.append)
    assert called == [refusal]  # run at once, as for any rendered response
