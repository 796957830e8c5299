"""Bearer JWTs that only a key holder could sign, or a second spelling of a valid one: refused with a 401."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.jwt.claims import is_number
from tests.support.jwt_tokens import active_key, b64, forge, standard_claims
from tests.support.oauth_errors import assert_oauth_error

pytestmark = pytest.mark.django_db
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["10**400", "-10**400"])
def test_integers_beyond_float_range_are_not_numbers(value: int) -> None:
    assert is_number(value) is False


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_signed_token_with_a_huge_integer_time_is_a_401_not_a_500(
    api_client: APIClient, user: User, claim: str
) -> None:
    token = forge(standard_claims(sub=str(user.pk), **{claim: 10**400}))

    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert_oauth_error(response, 401, "invalid_token")


def _non_canonical(segment: str) -> str | None:
    """``segment`` with unused low bits of its last character set: decodes to the same bytes."""
    spare_bits = {2: 4, 3: 2}.get(len(segment) % 4)
    if spare_bits is None:
        return None
    last = BASE64URL.index(segment[-1])
    return segment[:-1] + BASE64URL[last | ((1 << spare_bits) - 1)]


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_signature_must_be_canonical_base64url(api_client: APIClient, user: User, algorithm: str, apiauth: Any) -> None:
    """A second spelling of the same signature bytes must not make a second valid token (RFC 7515 §2)."""
    apiauth(JWT_ALGORITHM=algorithm)
    token = forge(standard_claims(sub=str(user.pk), exp=int(time.time()) + 300), key=active_key(algorithm))
    head, payload, signature = token.split(".")
    variant = _non_canonical(signature)
    assert variant is not None
    assert variant != signature
    assert b64(base64.urlsafe_b64decode(variant + "=" * (-len(variant) % 4))) == signature
    ok = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ok.status_code == 200, ok.content

    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {head}.{payload}.{variant}")

    assert_oauth_error(response, 401, "invalid_token")
