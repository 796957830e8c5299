"""The OAuth endpoints that machines call: token, revocation, introspection, metadata, and the user's grants.

Token, revocation and introspection are plain Django views: their input is form-encoded only (RFC 6749
§3.2), their errors are RFC 6749 §5.2 bodies with ``Cache-Control: no-store``, whatever the project's DRF
settings say. They are CSRF-exempt: no cookie authenticates them, the client authenticates itself. They
share the ``oauth`` rate (``THROTTLE_RATES``, per client network), checked before the body is read, and
answer with the ``RateLimit`` headers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework.request import Request
from rest_framework.response import Response

from django_apiauth.exceptions import ApiAuthError, InvalidClient, InvalidRequest, RateLimited
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.oauth.consent import grants_of, revoke_grant
from django_apiauth.oauth.rfc6749 import MAX_PARAMETER_LENGTH, authenticate_client, token_request
from django_apiauth.oauth.rfc7009 import revoke_token
from django_apiauth.oauth.rfc7662 import introspect
from django_apiauth.oauth.rfc8414 import metadata
from django_apiauth.throttling import service as throttling
from django_apiauth.throttling.headers import apply_rate_limit_headers
from django_apiauth.views.base import NO_STORE, AppEndpoint
from django_apiauth.views.errors import error_response
from django_apiauth.views.plain import JSONView, PublicDocumentView

FORM = "application/x-www-form-urlencoded"


def oauth_error(exc: ApiAuthError) -> JsonResponse:
    """RFC 6749 §5.2: 400 for every error but ``invalid_client`` (401, with a challenge); outages and rate
    limits keep their own status."""
    status = exc.status_code if exc.status_code >= 429 else 401 if isinstance(exc, InvalidClient) else 400
    headers = {"WWW-Authenticate": 'Basic realm="oauth"'} if status == 401 else {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return error_response(exc.error, exc.description, status, {**headers, "Pragma": "no-cache"})


def form_parameters(request: HttpRequest) -> dict[str, str]:
    """Each parameter once (§3.2), as a non-empty-able string of bounded length, from a form body only."""
    content_type = request.content_type or ""
    if content_type != FORM:
        raise InvalidRequest("The request body must be application/x-www-form-urlencoded.")
    if request.GET:
        raise InvalidRequest("Parameters belong in the request body, not the URL.")
    try:
        body = request.POST
    except SuspiciousOperation as exc:
        raise InvalidRequest("The request body is too large or malformed.") from exc
    params: dict[str, str] = {}
    for name, values in body.lists():
        if len(values) != 1:
            raise InvalidRequest(f"The {name[:40]} parameter is repeated.")
        value = values[0]
        if len(value) > MAX_PARAMETER_LENGTH or "\x00" in value:
            raise InvalidRequest(f"The {name[:40]} parameter is too long or malformed.")
        params[name] = value
    return params


@method_decorator(csrf_exempt, name="dispatch")
class ClientEndpoint(JSONView):
    """Base of the endpoints a client calls with its credentials: one rate per network, before any work."""

    apiauth_endpoint = Endpoint.CREDENTIAL  # HTTPS only, CORS for allowed origins
    http_method_names = ["post"]
    throttle_scope = "oauth"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = self.throttle(request)
        response = refusal if refusal is not None else super().dispatch(request, *args, **kwargs)
        return apply_rate_limit_headers(request, response)

    def throttle(self, request: HttpRequest) -> HttpResponse | None:
        """The 429 answer when the client's network is over the rate, else ``None``."""
        rate = throttling.rate_for(self.throttle_scope)
        if rate is None:
            return None
        limit = throttling.Limit(self.throttle_scope, "ip:" + throttling.network_of(request), rate)
        decisions = throttling.check(request, [limit])
        if all(decision.allowed for decision in decisions):
            return None
        retry_after = throttling.retry_after(decisions)
        return oauth_error(RateLimited("Too many requests; retry later.", retry_after=retry_after))


@method_decorator(sensitive_post_parameters("client_secret", "code", "code_verifier", "refresh_token"), "dispatch")
class TokenView(ClientEndpoint):
    """``POST /auth/oauth/token/``."""

    @sensitive_variables("params", "result", "body")
    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            params = form_parameters(request)
            result = token_request(request, params)
        except ApiAuthError as exc:
            return oauth_error(exc)
        body: dict[str, Any] = {
            "access_token": result.access.token,
            "token_type": "Bearer",
            "expires_in": result.access.expires_in,
        }
        if result.refresh_token is not None:
            body["refresh_token"] = result.refresh_token
        if result.scope:
            body["scope"] = result.scope
        return JsonResponse(body, headers=NO_STORE)


@method_decorator(sensitive_post_parameters("client_secret", "token"), "dispatch")
class TokenQueryEndpoint(ClientEndpoint):
    """Base of revocation and introspection: an authenticated client names one ``token`` (and may hint its type)."""

    #: RFC 7662 §2.1 leaves who may introspect to the server: here, confidential clients only.
    confidential_only = False

    @sensitive_variables("params")
    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            params = form_parameters(request)
            client = authenticate_client(request, params)
            if self.confidential_only and not client.is_confidential:
                raise InvalidClient("Only confidential clients may introspect tokens.")
            if "token" not in params:
                raise InvalidRequest("The token parameter is required.")
        except ApiAuthError as exc:
            return oauth_error(exc)
        return self.answer(request, client, params["token"], params.get("token_type_hint"))

    def answer(self, request: HttpRequest, client: OAuthClient, token: str, hint: str | None) -> HttpResponse:
        """The answer to a well-formed request of an authenticated ``client`` about ``token``.

        Overrides keep ``token`` out of error reports with ``@sensitive_variables("token")``.
        """
        raise NotImplementedError


class RevokeView(TokenQueryEndpoint):
    """``POST /auth/oauth/revoke/`` (RFC 7009): 200 with an empty body, also for unknown tokens."""

    @sensitive_variables("token")
    def answer(self, request: HttpRequest, client: OAuthClient, token: str, hint: str | None) -> HttpResponse:
        revoke_token(request, client, token, hint)
        return HttpResponse(status=200, headers=NO_STORE)


class IntrospectView(TokenQueryEndpoint):
    """``POST /auth/oauth/introspect/`` (RFC 7662): only confidential clients may ask."""

    confidential_only = True

    @sensitive_variables("token")
    def answer(self, request: HttpRequest, client: OAuthClient, token: str, hint: str | None) -> HttpResponse:
        return JsonResponse(introspect(client, token, hint), headers=NO_STORE)


class MetadataView(PublicDocumentView):
    """``GET /.well-known/oauth-authorization-server`` (RFC 8414): public and cacheable."""

    def get(self, request: HttpRequest) -> HttpResponse:
        response = JsonResponse(metadata())
        response["Cache-Control"] = "public, max-age=300"
        return response


class GrantListView(AppEndpoint):
    """``GET /auth/oauth/grants/``: the clients the user has authorised."""

    def get(self, request: Request) -> Response:
        return Response({"grants": grants_of(request.user)}, headers=NO_STORE)


class GrantDetailView(AppEndpoint):
    """``DELETE /auth/oauth/grants/<client_id>/``: forget the consent and revoke the client's sessions."""

    def delete(self, request: Request, client_id: str) -> Response:
        if not revoke_grant(request._request, request.user, client_id):
            return Response(
                {"error": "not_found", "error_description": "No grant for this client."}, status=404, headers=NO_STORE
            )
        return Response(status=204, headers=NO_STORE)
