"""Swagger UI of the example project in Debian's headless Chromium: the page works under the app's CSP, and
its "Authorize" dialog takes an access token from login or an API key, which "Try it out" then sends."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.support import browser
from tests.support.servers import gunicorn, listening_socket, manage, project_env, server_database_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not browser.available(), reason="needs Debian's chromium and chromium-driver (apt-get install them)"
    ),
]
PASSWORD = "swagger-test-password-3f8a"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The example project under gunicorn and a user of it: ``(url, username)``."""
    tmp = tmp_path_factory.mktemp("api-docs")
    env = project_env(server_database_url(tmp))
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput")
    username = f"user-{secrets.token_hex(4)}"
    manage(env, "ensure_demo_user", "--username", username, "--password", PASSWORD)
    sock = listening_socket()
    with sock, gunicorn(sock, env, tmp / "server.log") as server:
        yield server.url, username


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    with browser.chromium(tmp_path / "profile") as chromium:
        yield chromium


def access_token(url: str, username: str) -> str:
    response = requests.post(f"{url}/auth/login/", json={"username": username, "password": PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def authorize(driver: WebDriver, scheme: str, credential: str) -> None:
    """Fill one scheme of the "Authorize" dialog, as a user would."""
    browser.wait_for(driver, ".swagger-ui .auth-wrapper .authorize").click()
    containers = browser.wait_for(driver, ".auth-container")
    assert containers is not None
    section = next(
        c
        for c in driver.find_elements(By.CSS_SELECTOR, ".auth-container")
        if c.find_element(By.TAG_NAME, "h4").text.startswith(scheme)
    )
    section.find_element(By.CSS_SELECTOR, "input").send_keys(credential)
    section.find_element(By.CSS_SELECTOR, "button.authorize").click()
    driver.find_element(By.CSS_SELECTOR, ".modal-ux button.btn-done").click()


def try_whoami(driver: WebDriver) -> dict[str, object]:
    """Expand ``GET /api/whoami/``, "Try it out", "Execute": the JSON body Swagger UI shows."""
    block = browser.wait_for(driver, "#operations-api-api_whoami_retrieve")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    browser.wait_for(driver, "#operations-api-api_whoami_retrieve .try-out__btn").click()
    browser.wait_for(driver, "#operations-api-api_whoami_retrieve .execute").click()
    selector = "#operations-api-api_whoami_retrieve .live-responses-table tbody .response-col_status"
    WebDriverWait(driver, browser.WAIT).until(lambda d: d.find_element(By.CSS_SELECTOR, selector).text.strip())
    status = driver.find_element(By.CSS_SELECTOR, selector).text.strip()
    body = driver.find_element(By.CSS_SELECTOR, "#operations-api-api_whoami_retrieve .live-responses-table .microlight")
    assert status.startswith("200"), (status, body.text)
    return dict(json.loads(body.text))


def test_the_docs_page_authorizes_with_an_access_token_from_login(site: tuple[str, str], driver: WebDriver) -> None:
    url, username = site
    driver.get(f"{url}/api/docs/")
    authorize(driver, "jwtAuth", access_token(url, username))
    assert try_whoami(driver) == {"user": username, "auth": "jwt", "scopes": ["read", "write"]}
    assert browser.console_problems(driver) == []


def test_the_docs_page_authorizes_with_an_api_key(site: tuple[str, str], driver: WebDriver) -> None:
    url, username = site
    created = requests.post(
        f"{url}/auth/api-keys/",
        json={"name": "swagger", "scopes": ["read"]},
        headers={"Authorization": f"Bearer {access_token(url, username)}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    driver.get(f"{url}/api/docs/")
    authorize(driver, "apiKeyAuth", created.json()["key"])
    assert try_whoami(driver) == {"user": username, "auth": "api_key", "scopes": ["read"]}
    assert browser.console_problems(driver) == []
