"""Debian's Chromium driven headlessly through Debian's chromedriver: never a downloaded browser.

The chromedriver path is given explicitly, so Selenium Manager never looks for (or fetches) a driver.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,1000",
]
WAIT = 20.0
# The one console error a page may log: its silent refresh on load finding no session.
EXPECTED_REFRESH_401 = re.compile(
    r"/auth/refresh/ - Failed to load resource: the server responded with a status of 401"
)


def available() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


@contextmanager
def chromium(profile: Path) -> Iterator[WebDriver]:
    """A fresh headless Chromium with its own profile directory and the console log recorded."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: WebDriver, css: str, *, visible: bool = True) -> Any:
    condition = (
        expected_conditions.visibility_of_element_located
        if visible
        else expected_conditions.presence_of_element_located
    )
    return WebDriverWait(driver, WAIT).until(condition((By.CSS_SELECTOR, css)))


def wait_for_state(driver: WebDriver, state: str) -> None:
    """The page marks ``body[data-state]`` once it has finished signing in or out."""
    wait_for(driver, f'body[data-state="{state}"]', visible=False)


def wait_for_text(driver: WebDriver, css: str, text: str) -> None:
    WebDriverWait(driver, WAIT).until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def console_problems(driver: WebDriver, *, allow: tuple[re.Pattern[str], ...] = (EXPECTED_REFRESH_401,)) -> list[str]:
    """Console errors and CSP reports since the last call, except the allowed ones."""
    problems = []
    for entry in driver.get_log("browser"):
        message = str(entry.get("message", ""))
        is_error = entry.get("level") == "SEVERE" or "Content Security Policy" in message
        if is_error and not any(pattern.search(message) for pattern in allow):
            problems.append(message)
    return problems
