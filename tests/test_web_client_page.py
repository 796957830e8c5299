"""The web client's shell and files as served by the example project (no browser needed)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory

STATIC = Path(__file__).resolve().parents[1] / "example_project" / "static" / "web_client"
# Ways a script could turn text into markup or code; the client renders API text with textContent only.
UNSAFE_JS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setTimeout\(\s*['\"`]"
)
DOM_CONTRACT = [
    'id="login-form"',
    'name="username"',
    'name="password"',
    'id="current-user"',
    'id="logout"',
    'id="logout-all"',
    'id="api-key-name"',
    'id="api-key-create"',
    'id="api-key-plaintext"',
    'id="sessions"',
]


@pytest.fixture(autouse=True)
def _example_project_urls(settings: Any) -> None:
    """These tests are about the example project's pages, so they use its URLconf (the suite has its own)."""
    settings.ROOT_URLCONF = "example_project.urls"


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, event-handler and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        self._in_script = tag == "script"
        self.problems += [f"{tag}[{name}]" for name in names if name.startswith("on") or name == "style"]
        if tag == "style":
            self.problems.append("<style>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script body")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def test_the_root_serves_the_client_under_a_strict_csp(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "img-src 'self' data:" in csp
    assert "unsafe" not in csp
    assert "clipboard-write=(self)" in response["Permissions-Policy"]
    html = response.content.decode()
    assert all(marker in html for marker in DOM_CONTRACT)
    parser = _Inline()
    parser.feed(html)
    assert parser.problems == []


def test_the_client_may_name_another_api_origin(client: Client, settings: object) -> None:
    settings.WEB_CLIENT_API_BASE = "http://127.0.0.1:9999/"  # type: ignore[attr-defined]

    response = client.get("/")

    assert 'content="http://127.0.0.1:9999"' in response.content.decode()
    assert "connect-src 'self' http://127.0.0.1:9999;" in response["Content-Security-Policy"]


@pytest.mark.parametrize("base", ["javascript:alert(1)", "http://", "http://x/path", "ftp://x", "http://x/?q"])
def test_an_api_base_that_is_not_an_origin_is_a_configuration_error(
    client: Client, settings: object, base: str
) -> None:
    settings.WEB_CLIENT_API_BASE = base  # type: ignore[attr-defined]

    with pytest.raises(ImproperlyConfigured):
        client.get("/")


def test_only_get_and_head(client: Client) -> None:
    assert client.post("/").status_code == 405
    assert client.head("/").status_code == 200


def test_the_example_project_serves_static_files_with_whitenoise() -> None:
    from example_project import settings as project

    # Right after the security middlewares, so static files get the security headers too.
    assert project.MIDDLEWARE[:3] == [
        "django.middleware.security.SecurityMiddleware",
        "django_apiauth.middleware.SecurityHeadersMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert project.WHITENOISE_USE_FINDERS is True


@pytest.mark.parametrize("name", ["app.js", "api.js", "ui.js", "style.css", "favicon.svg"])
def test_static_files_are_served_without_collectstatic(settings: Any, rf: RequestFactory, name: str) -> None:
    from whitenoise.middleware import WhiteNoiseMiddleware

    settings.WHITENOISE_USE_FINDERS = True
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))

    response = middleware(rf.get(f"/static/web_client/{name}"))

    assert response.status_code == 200
    with response.file_to_stream:
        assert b"".join(response.streaming_content) == (STATIC / name).read_bytes()


def test_favicon(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("/static/web_client/favicon.svg")


@pytest.mark.parametrize("path", sorted(STATIC.glob("*.js")), ids=lambda p: p.name)
def test_scripts_never_build_markup_or_code_from_text(path: Path) -> None:
    assert UNSAFE_JS.search(path.read_text()) is None
