"""Content-Security-Policy: the strict default, configuration, per-view extension, and the admin under it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from django_apiauth.http_security import csp
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.middleware import SecurityHeadersMiddleware

STRICT = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def _html(body: str = "<p>hi</p>", **headers: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/html; charset=utf-8", headers=headers)


def _run(view: Any, path: str = "/page/") -> Any:
    return SecurityHeadersMiddleware(view)(RequestFactory().get(path))


def test_every_html_response_gets_the_strict_default() -> None:
    assert _run(lambda request: _html())["Content-Security-Policy"] == STRICT


def test_json_responses_get_no_csp() -> None:
    response = _run(lambda request: HttpResponse("{}", content_type="application/json"))
    assert "Content-Security-Policy" not in response


def test_a_policy_the_view_set_is_kept() -> None:
    response = _run(lambda request: _html(**{"Content-Security-Policy": "default-src 'none'"}))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_configured_directives_replace_or_drop_the_defaults(apiauth: Any) -> None:
    apiauth(SECURITY_HEADERS={"CSP": {"default-src": ["'none'"], "base-uri": None, "style-src": ["'self'"]}})
    policy = _run(lambda request: _html())["Content-Security-Policy"]
    assert policy == "default-src 'none'; frame-ancestors 'none'; form-action 'self'; style-src 'self'"


def test_decorator_extends_the_policy_of_its_own_responses_only() -> None:
    @csp.csp_extend(img_src=["'self'", "data:"])
    def qr_page(request: HttpRequest) -> HttpResponse:
        return _html()

    assert _run(qr_page)["Content-Security-Policy"] == f"{STRICT}; img-src 'self' data:"
    assert _run(lambda request: _html())["Content-Security-Policy"] == STRICT


def test_decorator_works_on_async_views() -> None:
    @csp.csp_extend(img_src=["data:"])
    async def page(request: HttpRequest) -> HttpResponse:
        return _html()

    response = asyncio.run(page(RequestFactory().get("/")))
    assert response.apiauth_csp == {"img-src": ("data:",)}


def test_response_attribute_adds_an_origin_to_form_action() -> None:
    """The consent page's way: the validated redirect_uri origin joins ``form-action`` for that response."""

    def consent(request: HttpRequest) -> HttpResponse:
        response = _html()
        csp.add_sources(response, {"form-action": ["https://client.example"]})
        csp.add_sources(response, {"form-action": ["https://other.example"]})
        return response

    policy = _run(consent)["Content-Security-Policy"]
    assert "form-action 'self' https://client.example https://other.example" in policy


def test_extension_does_not_repeat_sources() -> None:
    merged = csp.extend({"form-action": ("'self'",)}, {"form-action": ["'self'", "x"]})
    assert merged == {"form-action": ("'self'", "x")}


def test_html_page_marker_gets_csp_and_no_referrer_even_when_not_text_html() -> None:
    @csp.csp_extend()
    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse("{}", content_type="application/json")

    page.apiauth_endpoint = Endpoint.HTML_PAGE  # type: ignore[attr-defined]
    response = SecurityHeadersMiddleware(page)(_routed_request(page))
    assert response["Content-Security-Policy"] == STRICT
    assert response["Referrer-Policy"] == "no-referrer"


def _routed_request(view: Any) -> HttpRequest:
    from django.urls import ResolverMatch

    request = RequestFactory().get("/page/")
    request.resolver_match = ResolverMatch(view, (), {})
    return request


def test_project_setting_of_django_security_middleware_wins(settings: Any) -> None:
    settings.SECURE_REFERRER_POLICY = "strict-origin"
    response = _run(lambda request: _html())
    assert "Referrer-Policy" not in response  # left for Django's SecurityMiddleware to write


# --- the admin under the policy ---------------------------------------------------------------------------
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
BLOCKED_BY_CSP = {
    "inline script": INLINE_SCRIPT,
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "cross-origin asset": re.compile(r"(?:src|href)=\"(?:https?:)?//", re.IGNORECASE),
}


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:app_list", args=[model._meta.app_label]))
        if admin.site._registry[model].has_add_permission(_superuser_request()):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    return sorted(set(urls))


def _superuser_request() -> Any:
    request = RequestFactory().get("/admin/")
    request.user = type("Super", (), {"is_active": True, "is_staff": True, "has_perm": lambda *a: True})()
    return request


@pytest.mark.django_db
def test_admin_pages_use_nothing_the_strict_policy_blocks(admin_client: Client) -> None:
    urls = _admin_urls()
    assert len(urls) > 10
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == STRICT, url
        html = response.content.decode()
        for what, pattern in BLOCKED_BY_CSP.items():
            assert not pattern.search(html), f"{url} has an {what} the CSP would block"


@pytest.mark.django_db
def test_admin_login_page_is_served_under_the_policy(client: Client) -> None:
    response = client.get(reverse("admin:login"))
    assert response["Content-Security-Policy"] == STRICT
    assert not INLINE_SCRIPT.search(response.content.decode())
