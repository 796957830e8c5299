"""The example project's web client in Debian's headless Chromium, against the project under gunicorn.

Every test starts a fresh browser profile, writes a screenshot per step under ``artifacts/screenshots/`` and
ends by reading the browser's console: no errors and no CSP reports other than the silent refresh's 401
when the page loads without a session.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support import browser
from tests.support.servers import (
    ROOT,
    gunicorn,
    listening_socket,
    manage,
    origin,
    project_env,
    server_database_url,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not browser.available(), reason="needs Debian's chromium and chromium-driver (apt-get install them)"
    ),
]
SCREENSHOTS = Path(os.environ.get("APIAUTH_ARTIFACTS_DIR", ROOT / "artifacts")) / "screenshots"
PASSWORD = "browser-test-password-7c1e"
CSRF = {"X-Requested-With": "fetch"}
ZBARIMG = shutil.which("zbarimg")


@dataclass(frozen=True)
class Servers:
    api: str  # serves the API and the page
    second: str  # serves the same page, pointed at ``api``, from an allowed origin
    disallowed: str  # the second server under another origin, which the API does not allow
    env: dict[str, str]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("web-client")
    api_sock, page_sock = listening_socket(), listening_socket()
    env = project_env(
        server_database_url(tmp),
        CORS_ALLOWED_ORIGINS=origin(page_sock),
        # Every browser and every API client of these tests is 127.0.0.1: raise the per-IP limits.
        APIAUTH_THROTTLE_RATES="login=1000/min,refresh=1000/min,mfa=1000/min,api_keys=1000/min,sessions=1000/min",
    )
    env.pop("REDIS_URL", None)  # one worker: its own cache; the test process flushes its Redis db between tests
    manage(env, "migrate", "--noinput")
    with (
        api_sock,
        page_sock,
        gunicorn(api_sock, env, tmp / "api.log") as api,
        gunicorn(page_sock, {**env, "WEB_CLIENT_API_BASE": api.url}, tmp / "page.log") as page,
    ):
        yield Servers(api.url, page.url, origin(page_sock, "localhost"), env)


@pytest.fixture
def username(servers: Servers) -> str:
    name = f"user-{secrets.token_hex(4)}"
    manage(servers.env, "ensure_demo_user", "--username", name, "--password", PASSWORD)
    return name


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    with browser.chromium(tmp_path / "profile") as chromium:
        yield chromium


@pytest.fixture
def shot(driver: WebDriver, request: pytest.FixtureRequest) -> Callable[[str], None]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    count = iter(range(1, 100))

    def take(step: str) -> None:
        driver.save_screenshot(str(SCREENSHOTS / f"{request.node.name}-{next(count):02d}-{step}.png"))

    return take


def sign_in(driver: WebDriver, page: str, username: str) -> None:
    driver.get(f"{page}/")
    browser.wait_for_state(driver, "signed-out")
    form = driver.find_element(By.ID, "login-form")
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(PASSWORD)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_for_state(driver, "signed-in")
    browser.wait_for_text(driver, "#current-user", username)


def api_login(servers: Servers, username: str) -> dict[str, Any]:
    """Another device: a plain API client with the refresh token in the body."""
    response = requests.post(
        f"{servers.api}/auth/login/", json={"username": username, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def api_refresh(servers: Servers, token: str) -> requests.Response:
    return requests.post(f"{servers.api}/auth/refresh/", json={"refresh_token": token}, timeout=10)


def test_login_survives_a_reload_through_the_cookie_which_scripts_cannot_read(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None]
) -> None:
    driver.get(f"{servers.api}/")
    browser.wait_for_state(driver, "signed-out")
    shot("signed-out")

    sign_in(driver, servers.api, username)
    shot("signed-in")
    driver.refresh()
    browser.wait_for_state(driver, "signed-in")
    browser.wait_for_text(driver, "#current-user", username)
    shot("after-reload")

    assert "apiauth_refresh" not in driver.execute_script("return document.cookie")
    stored = {c["name"]: c for c in driver.get_cookies()}
    assert "apiauth_refresh" not in stored  # scoped to /auth/refresh/ and /auth/logout/, not the page
    assert driver.execute_script("return Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0

    driver.find_element(By.ID, "logout").click()
    browser.wait_for_state(driver, "signed-out")
    driver.refresh()
    browser.wait_for_state(driver, "signed-out")
    shot("logged-out")
    assert browser.console_problems(driver) == []


def test_an_api_key_created_in_the_page_authenticates_requests(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None]
) -> None:
    sign_in(driver, servers.api, username)
    driver.find_element(By.ID, "api-key-name").send_keys("from the browser <b>test</b>")
    driver.find_element(By.ID, "api-key-create").click()
    plaintext = browser.wait_for(driver, "#api-key-plaintext")
    browser.wait_for(driver, "#api-keys tr")
    shot("api-key-created")

    key = plaintext.text
    response = requests.get(f"{servers.api}/api/whoami/", headers={"X-API-Key": key}, timeout=10)
    assert response.status_code == 200
    assert response.json()["user"] == username
    assert driver.find_element(By.CSS_SELECTOR, "#api-keys td").text == "from the browser <b>test</b>"

    driver.find_element(By.CSS_SELECTOR, "#api-keys .api-key-rotate").click()
    browser.wait_for_text(driver, "#status", "API key rotated.")
    rotated = driver.find_element(By.ID, "api-key-plaintext").text
    shot("api-key-rotated")
    assert rotated != key
    response = requests.get(f"{servers.api}/api/whoami/", headers={"X-API-Key": rotated}, timeout=10)
    assert response.status_code == 200

    driver.find_element(By.CSS_SELECTOR, "#api-keys .api-key-revoke").click()
    browser.wait_for_text(driver, "#status", "API key revoked.")
    shot("api-key-revoked")
    for revoked in (key, rotated):
        assert requests.get(f"{servers.api}/api/whoami/", headers={"X-API-Key": revoked}, timeout=10).status_code == 401
    assert driver.find_element(By.ID, "api-key-plaintext").text == ""
    assert browser.console_problems(driver) == []


def test_revoking_the_other_session_from_the_page_ends_it(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None]
) -> None:
    other = api_login(servers, username)
    sign_in(driver, servers.api, username)
    rows = driver.find_elements(By.CSS_SELECTOR, "#sessions tr")
    assert len(rows) == 2
    shot("two-sessions")

    driver.find_element(By.CSS_SELECTOR, "#sessions tr:not(.current) .session-revoke").click()
    browser.wait_for_text(driver, "#status", "Session revoked.")
    shot("other-session-revoked")

    assert len(driver.find_elements(By.CSS_SELECTOR, "#sessions tr")) == 1
    refused = api_refresh(servers, other["refresh_token"])
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_grant"
    assert browser.console_problems(driver) == []


def test_logout_everywhere_ends_every_session(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None]
) -> None:
    other = api_login(servers, username)
    sign_in(driver, servers.api, username)

    driver.find_element(By.ID, "logout-all").click()
    browser.wait_for_state(driver, "signed-out")
    shot("logged-out-everywhere")

    assert api_refresh(servers, other["refresh_token"]).status_code == 401
    driver.refresh()
    browser.wait_for_state(driver, "signed-out")
    assert browser.console_problems(driver) == []


def test_an_allowed_second_origin_signs_in_and_refreshes_cross_origin(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None]
) -> None:
    sign_in(driver, servers.second, username)
    shot("second-origin-signed-in")
    driver.refresh()
    browser.wait_for_state(driver, "signed-in")
    browser.wait_for_text(driver, "#current-user", username)
    shot("second-origin-after-reload")
    assert browser.console_problems(driver) == []


def test_a_disallowed_origin_is_refused(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None]
) -> None:
    driver.get(f"{servers.disallowed}/")
    browser.wait_for_state(driver, "signed-out")
    form = driver.find_element(By.ID, "login-form")
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(PASSWORD)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_for_text(driver, "#error", "network_error")
    shot("disallowed-origin-refused")

    assert driver.find_element(By.ID, "current-user").text == ""
    problems = browser.console_problems(driver)
    assert problems, "the browser must report the CORS refusals"
    assert all("CORS policy" in p or "Failed to load resource" in p for p in problems), problems
    assert not any("Content Security Policy" in p for p in problems)


def read_qr(data_uri: str, tmp_path: Path) -> str:
    """Decode the page's QR image with a real decoder (Debian's zbarimg)."""
    assert data_uri.startswith("data:image/png;base64,")
    png = tmp_path / "qr.png"
    png.write_bytes(base64.b64decode(data_uri.split(",", 1)[1]))
    decoded = subprocess.run(  # noqa: S603 - a fixed Debian binary on our own file
        [ZBARIMG, "-q", "--raw", str(png)], capture_output=True, check=True, text=True
    )
    return decoded.stdout.strip()


def enter_code(driver: WebDriver, code: str) -> None:
    (field,) = driver.find_elements(By.CSS_SELECTOR, "input[name=code]")  # one code field at a time
    field.send_keys(code)
    field.submit()


def sign_in_with_code(driver: WebDriver, page: str, username: str, code: str) -> None:
    driver.get(f"{page}/")
    browser.wait_for_state(driver, "signed-out")
    form = driver.find_element(By.ID, "login-form")
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(PASSWORD)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_for_state(driver, "mfa-required")
    enter_code(driver, code)
    browser.wait_for_state(driver, "signed-in")
    browser.wait_for_text(driver, "#current-user", username)


@pytest.mark.skipif(not ZBARIMG, reason="needs Debian's zbar-tools (zbarimg) to decode the QR code")
def test_mfa_enrolment_by_qr_code_then_login_through_the_code_step(
    servers: Servers, driver: WebDriver, username: str, shot: Callable[[str], None], tmp_path: Path
) -> None:
    sign_in(driver, servers.api, username)
    driver.find_element(By.ID, "mfa-enrol-start").click()
    secret = browser.wait_for(driver, "#totp-secret").text
    qr = driver.find_element(By.ID, "totp-qr")
    browser.wait_for(driver, "#totp-qr")
    shot("mfa-enrolment")
    uri = read_qr(str(qr.get_attribute("src")), tmp_path)
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri
    assert driver.execute_script("return document.getElementById('totp-qr').naturalWidth") > 0

    totp = pyotp.TOTP(secret)
    enter_code(driver, totp.now())
    browser.wait_for(driver, "#backup-codes li")
    codes = [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#backup-codes li")]
    shot("mfa-backup-codes")
    assert len(codes) == 10
    assert all(codes)
    browser.wait_for_text(driver, "#mfa-status", "is on")

    # The confirming code cannot be replayed: the next time step's code (computed, never waited for).
    driver.find_element(By.ID, "logout").click()
    browser.wait_for_state(driver, "signed-out")
    sign_in_with_code(driver, servers.api, username, totp.at(time.time() + totp.interval))
    shot("mfa-login-with-totp")

    # And a backup code, once.
    driver.find_element(By.ID, "logout").click()
    browser.wait_for_state(driver, "signed-out")
    sign_in_with_code(driver, servers.api, username, codes[0])
    shot("mfa-login-with-backup-code")
    assert driver.find_element(By.ID, "backup-codes").text == ""  # shown once, never again
    assert browser.console_problems(driver) == []
