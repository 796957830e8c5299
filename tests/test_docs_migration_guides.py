"""The coexistence classes the migration guides tell users to paste work as the guides say.

Each guide's ``# myproject/auth.py`` block is run as it is written; its class must still authenticate our own
credentials and step aside (return ``None``) for the incumbent library's, so the next class gets them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.support.jwt_tokens import b64, b64json, issue_access_token

GUIDES = Path(__file__).resolve().parent.parent / "docs" / "migrating"
_AUTH_MODULE = re.compile(r"```python\n\s*# myproject/auth\.py\n(.*?)```", re.DOTALL)

pytestmark = pytest.mark.django_db


def guide_class(guide: str, name: str) -> Any:
    """The class ``name`` defined by the guide's ``myproject/auth.py`` block, run as written."""
    (source,) = _AUTH_MODULE.findall((GUIDES / guide).read_text())
    lines = source.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(line[indent:] for line in lines), guide, "exec"), namespace)  # noqa: S102 - our docs
    return namespace[name]()


def _request(**headers: str) -> Request:
    return Request(APIRequestFactory().get("/", **headers))


def _bearer(token: str) -> Request:
    return _request(HTTP_AUTHORIZATION=f"Bearer {token}")


def _simplejwt_like_token() -> str:
    """What simplejwt issues: an HS256 JWT with ``typ: JWT`` and a ``user_id`` claim (never verified here)."""
    return f"{b64json({'alg': 'HS256', 'typ': 'JWT'})}.{b64json({'user_id': 1, 'token_type': 'access'})}.{b64('s')}"


@pytest.mark.parametrize(
    ("guide", "foreign"), [("simplejwt.md", _simplejwt_like_token()), ("oauth-toolkit.md", "x" * 30)]
)
def test_jwt_class_steps_aside_for_the_incumbent_token(guide: str, foreign: str) -> None:
    authentication = guide_class(guide, "JWTAuthenticationDuringMove")
    assert authentication.authenticate(_bearer(foreign)) is None


@pytest.mark.parametrize("guide", ["simplejwt.md", "oauth-toolkit.md"])
def test_jwt_class_still_authenticates_our_tokens(guide: str, user: User) -> None:
    authentication = guide_class(guide, "JWTAuthenticationDuringMove")
    result = authentication.authenticate(_bearer(issue_access_token(user).token))
    assert result is not None
    assert result[0] == user


def test_jwt_class_still_refuses_a_forged_token_of_ours(user: User) -> None:
    """Stepping aside is decided by the header's shape only; a token claiming to be ours is verified."""
    from rest_framework.exceptions import AuthenticationFailed

    token = issue_access_token(user).token
    head, payload, _ = token.split(".")
    authentication = guide_class("simplejwt.md", "JWTAuthenticationDuringMove")
    with pytest.raises(AuthenticationFailed):
        authentication.authenticate(_bearer(f"{head}.{payload}.{b64('forged')}"))


def test_api_key_class_steps_aside_for_an_old_format_key() -> None:
    authentication = guide_class("drf-api-key.md", "APIKeyAuthenticationDuringMove")
    assert authentication.authenticate(_request(HTTP_AUTHORIZATION="Api-Key Abcd1234.oldformatsecretvalue")) is None


def test_api_key_class_still_authenticates_our_keys(user: User, issue_key: Any) -> None:
    authentication = guide_class("drf-api-key.md", "APIKeyAuthenticationDuringMove")
    result = authentication.authenticate(_request(HTTP_AUTHORIZATION=f"Api-Key {issue_key().plaintext}"))
    assert result is not None
    assert result[0] == user
