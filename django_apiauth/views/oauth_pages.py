"""The HTML side of the authorization-code flow: the authorization request, login and consent pages.

The user signs in on a Django session. Redirects back to the client after a POST are 303 (a 307 would make
the browser resend the form, password included). Errors about the client or its redirect URI are a 400
page, never a redirect. The templates (``apiauth/oauth/*.html``) can be overridden by the project.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.contrib.auth import login as session_login
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from django_apiauth.db_contention import busy_refusal
from django_apiauth.exceptions import RateLimited, TemporarilyUnavailable
from django_apiauth.oauth import integration
from django_apiauth.oauth.authorization import (
    AuthorizationRedirectError,
    AuthorizationRequest,
    FatalAuthorizationError,
    parse_authorization_request,
)
from django_apiauth.oauth.codes import issue_code
from django_apiauth.oauth.consent import may_skip_consent, remember_consent
from django_apiauth.oauth.rfc9207 import response_uri
from django_apiauth.views.plain import FormPage

PENDING_USER = "apiauth_oauth_pending_user"
PENDING_BACKEND = "apiauth_oauth_pending_backend"
MAX_FIELD_LENGTH = 4096


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _redirect(location: str, *, after_post: bool) -> HttpResponse:
    """A redirect that leaves no referrer behind; 303 after a POST."""
    response = HttpResponseSeeOther(location) if after_post else HttpResponseRedirect(location)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _error_page(request: HttpRequest, description: str, status: int = 400) -> HttpResponse:
    response = render(request, "apiauth/oauth/error.html", {"description": description}, status=status)
    return integration.protect_page(response)


@method_decorator(csrf_exempt, name="dispatch")  # as FormPage's: it checks the method, then CSRF itself
class OAuthPage(FormPage):
    """Base of the flow's pages: a database too busy to answer gets the error page, 503 with ``Retry-After``."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except OperationalError as exc:
            refusal = busy_refusal(exc, type(self).__qualname__)
        response = _error_page(request, refusal.description, refusal.status_code)
        response["Retry-After"] = str(refusal.retry_after)
        return response


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class AuthorizeView(OAuthPage):
    """``GET /auth/oauth/authorize/`` validates and shows consent; ``POST`` is the consent decision."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._handle(request, request.GET, decision=None)

    def post(self, request: HttpRequest) -> HttpResponse:
        decision = request.POST.get("decision")
        return self._handle(request, request.POST, decision="allow" if decision == "allow" else "deny")

    def _handle(self, request: HttpRequest, params: QueryDict, *, decision: str | None) -> HttpResponse:
        after_post = decision is not None
        try:
            authz = parse_authorization_request(params)
        except FatalAuthorizationError as exc:
            return _error_page(request, exc.description)
        except AuthorizationRedirectError as exc:
            return _redirect(exc.location, after_post=after_post)
        user = request.user
        if not user.is_authenticated or integration.needs_second_factor(request, user):
            login_url = reverse("apiauth:oauth-login")
            next_url = f"{reverse('apiauth:oauth-authorize')}?{urlencode(authz.as_form_fields())}"
            return _redirect(f"{login_url}?{urlencode({'next': next_url})}", after_post=after_post)
        if decision == "deny":
            location = response_uri(authz.redirect_uri, {"error": "access_denied", "state": authz.state})
            return _redirect(location, after_post=True)
        if decision == "allow":
            remember_consent(request, user, authz.client, authz.scopes)
            return self._issue(request, authz, after_post=True)
        if may_skip_consent(user, authz.client, authz.scopes):
            return self._issue(request, authz, after_post=False)
        return self._consent_page(request, authz)

    @sensitive_variables("code")
    def _issue(self, request: HttpRequest, authz: AuthorizationRequest, *, after_post: bool) -> HttpResponse:
        code, _ = issue_code(request, authz, request.user)
        location = response_uri(authz.redirect_uri, {"code": code, "state": authz.state})
        return _redirect(location, after_post=after_post)

    def _consent_page(self, request: HttpRequest, authz: AuthorizationRequest) -> HttpResponse:
        context = {
            "client": authz.client,
            "username": request.user.get_username(),
            "scopes": integration.describe_scopes(authz.scopes),
            "redirect_origin": _origin(authz.redirect_uri),
            "fields": authz.as_form_fields(),
            "action": reverse("apiauth:oauth-authorize"),
        }
        response = render(request, "apiauth/oauth/consent.html", context)
        return integration.protect_page(response, form_action=[_origin(authz.redirect_uri)])


@method_decorator(sensitive_post_parameters("password", "otp"), name="dispatch")
class LoginView(OAuthPage):
    """``/auth/oauth/login/?next=<authorization request>``: password, then the second factor if any."""

    def get(self, request: HttpRequest) -> HttpResponse:
        next_url = _safe_next(request, request.GET.get("next"))
        if next_url is None:
            return _error_page(request, "The sign-in link is invalid.")
        if request.user.is_authenticated:
            if not integration.needs_second_factor(request, request.user):
                return _redirect(next_url, after_post=False)
            return self._page(request, next_url, step="otp")
        return self._page(request, next_url, step="password")

    @sensitive_variables("password")
    def post(self, request: HttpRequest) -> HttpResponse:
        next_url = _safe_next(request, request.POST.get("next"))
        if next_url is None:
            return _error_page(request, "The sign-in link is invalid.")
        if request.POST.get("step") == "otp":
            return self._second_factor(request, next_url)
        username, password = _field(request, "username"), _field(request, "password")
        try:
            user = integration.check_password(request, username=username, password=password) if username else None
        except (RateLimited, TemporarilyUnavailable) as exc:  # a wait imposed by the brute-force counters, an outage
            return self._refused(request, next_url, "password", exc)
        if user is None or not password:
            return self._page(request, next_url, step="password", error="Invalid username or password.", status=400)
        if integration.needs_second_factor(request, user):
            request.session[PENDING_USER] = user._meta.pk.value_to_string(user)
            request.session[PENDING_BACKEND] = getattr(user, "backend", "")
            return self._page(request, next_url, step="otp")
        session_login(request, user)
        return _redirect(next_url, after_post=True)

    def _second_factor(self, request: HttpRequest, next_url: str) -> HttpResponse:
        user = _pending_user(request)
        if user is None:
            return self._page(request, next_url, step="password", error="Please sign in again.", status=400)
        try:
            verified = integration.verify_second_factor(request, user, _field(request, "otp"))
        except (RateLimited, TemporarilyUnavailable) as exc:  # django-otp's back-off after wrong codes, an outage
            return self._refused(request, next_url, "otp", exc)
        if not verified:
            return self._page(request, next_url, step="otp", error="The code is not valid.", status=400)
        request.session.pop(PENDING_USER, None)
        request.session.pop(PENDING_BACKEND, None)
        return _redirect(next_url, after_post=True)

    def _refused(
        self, request: HttpRequest, next_url: str, step: str, exc: RateLimited | TemporarilyUnavailable
    ) -> HttpResponse:
        """The page again with the refusal's own status (429, 503) and ``Retry-After``."""
        response = self._page(request, next_url, step=step, error=exc.description, status=exc.status_code)
        response["Retry-After"] = str(exc.retry_after)
        return response

    def _page(
        self, request: HttpRequest, next_url: str, *, step: str, error: str = "", status: int = 200
    ) -> HttpResponse:
        model: Any = get_user_model()
        label = str(model._meta.get_field(model.USERNAME_FIELD).verbose_name).capitalize()
        context = {
            "step": step,
            "next": next_url,
            "error": error,
            "username_label": label,
            "action": reverse("apiauth:oauth-login"),
        }
        response = render(request, "apiauth/oauth/login.html", context, status=status)
        return integration.protect_page(response)


def _field(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name, "")
    return value if 0 < len(value) <= MAX_FIELD_LENGTH and "\x00" not in value else ""


def _safe_next(request: HttpRequest, next_url: str | None) -> str | None:
    """Only our own authorization endpoint, on this host: the login page is no open redirector."""
    if not next_url or len(next_url) > 8 * MAX_FIELD_LENGTH:
        return None
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=None) or not next_url.startswith("/"):
        return None
    if urlsplit(next_url).path != reverse("apiauth:oauth-authorize"):
        return None
    return next_url


def _pending_user(request: HttpRequest) -> Any:
    """The user who passed the password step and owes a second factor: the session's, or the pending one
    (logged in only once the second factor is verified)."""
    if request.user.is_authenticated:
        return request.user
    pk = request.session.get(PENDING_USER)
    if not isinstance(pk, str):
        return None
    model: Any = get_user_model()
    user = model._default_manager.filter(pk=pk).first()
    if user is None or not user.is_active:
        return None
    user.backend = request.session.get(PENDING_BACKEND) or None
    return user
