"""Schemathesis hooks of the fuzz run (``SCHEMATHESIS_HOOKS=tests.fuzz.hooks``).

In the authenticated run every request gets a credential of its own, fresh from ``POST /auth/login/``: an
operation that ends sessions (``logout``, ``logout-all``, revoking a session or a key) can then only end its
own credential, never the one of the next request. The anonymous run sends none.
"""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis

BASE_URL = os.environ.get("FUZZ_BASE_URL", "")
MODE = os.environ.get("FUZZ_MODE", "anonymous")
USERNAME = os.environ.get("FUZZ_USERNAME", "")
PASSWORD = os.environ.get("FUZZ_PASSWORD", "")
USER_SCHEMES = {"jwtAuth", "oauth2", "apiKeyAuth", "cookieAuth"}


def fresh_access_token() -> str:
    response = requests.post(f"{BASE_URL}/auth/login/", json={"username": USERNAME, "password": PASSWORD}, timeout=30)
    response.raise_for_status()
    return str(response.json()["access_token"])


def needs_user(case: Any) -> bool:
    """Whether the operation names a user credential among its security alternatives."""
    security = case.operation.definition.raw.get("security") or []
    return any(set(requirement) & USER_SCHEMES for requirement in security)


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if MODE != "authenticated" or not needs_user(case):
        return
    headers = dict(case.headers or {})
    for name in list(headers):
        if name.lower() in ("authorization", "x-api-key"):
            del headers[name]
    headers["Authorization"] = f"Bearer {fresh_access_token()}"
    case.headers = headers
