"""System checks of the JWT settings: apiauth.E010-E015 and W010-W012."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core import checks

from django_apiauth import checks as apiauth_checks
from django_apiauth.jwt import checks as jwt_checks


def ids() -> list[str]:
    """Ids of the generic (E00x) and this feature's (E01x/W01x) checks; other features test theirs."""
    found = (str(m.id) for m in checks.run_checks(tags=["apiauth"]))
    return sorted(i for i in found if i[len("apiauth.") + 1 :].startswith(("00", "01")))


def test_test_settings_are_clean() -> None:
    assert ids() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"KEY_ENCRYPTION_KEYS": []}, ["apiauth.W010"]),
        ({"KEY_ENCRYPTION_KEYS": ["nope", Fernet.generate_key().decode(), "x" * 44]}, ["apiauth.E010"] * 2),
        ({"KEY_ENCRYPTION_KEYS": "not-a-list"}, ["apiauth.E003"]),
        ({"JWT_ALGORITHM": "none"}, ["apiauth.E011"]),
        ({"JWT_ALGORITHM": "HS256"}, ["apiauth.E012"]),
        ({"JWT_ALGORITHM": "HS256", "JWT_ALLOW_HS256": True}, []),
        ({"JWT_ALGORITHM": 256}, ["apiauth.E003"]),
        ({"JWT_ALGORITHM": True}, ["apiauth.E003"]),  # a bool is refused before the algorithm checks read it
        ({"JWT_MAX_TOKEN_BYTES": True}, ["apiauth.E003"]),  # a bool is not an int here
        ({"JWT_MAX_TOKEN_BYTES": 100}, ["apiauth.E013"]),
        ({"JWT_VERIFIED_TOKEN_CACHE_SIZE": -1}, ["apiauth.E016"]),
        ({"JWT_VERIFIED_TOKEN_CACHE_SIZE": 0}, []),
        ({"JWT_LEEWAY": -1}, ["apiauth.E014"]),
        ({"JWT_LEEWAY": 0}, []),
        ({"JWT_USER_CACHE_TTL": timedelta(seconds=-1)}, ["apiauth.E014"]),
        ({"JWT_USER_CACHE_TTL": 0}, []),
        ({"JWT_ISSUER": ""}, ["apiauth.E015"]),
        ({"JWT_AUDIENCE": ""}, ["apiauth.E015"]),
        ({"JWT_USER_CACHE_TTL": 5}, ["apiauth.W011"]),
        ({"JWT_USER_CACHE_TTL": 1}, []),
        ({"ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}, ["apiauth.W012"]),
        ({"ACCESS_TOKEN_LIFETIME": 0}, ["apiauth.E007"]),
        ({"SIGNING_KEY_RELOAD_INTERVAL": 0}, ["apiauth.E007"]),
    ],
)
def test_check_ids(apiauth: Callable[..., None], overrides: dict[str, Any], expected: list[str]) -> None:
    apiauth(**overrides)
    assert ids() == expected


def test_every_jwt_check_is_registered_and_documented() -> None:
    for check in (
        jwt_checks.check_key_encryption_keys,
        jwt_checks.check_jwt_algorithm,
        jwt_checks.check_jwt_staleness,
    ):
        assert check in apiauth_checks.ALL_CHECKS
    doc = apiauth_checks.__doc__ or ""
    for number in range(10, 17):
        assert f"apiauth.E0{number}" in doc
    for number in range(10, 13):
        assert f"apiauth.W0{number}" in doc
