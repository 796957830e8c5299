"""System checks of the API-key settings: each id fires for its mistake and stays quiet otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks

from django_apiauth.api_keys.checks import API_KEY_CHECKS
from django_apiauth.checks import ALL_CHECKS, check_namespace
from django_apiauth.testing import override_apiauth

# Our checks plus the namespace check (types, E003); other features' checks are theirs to test.
CHECKS = [check_namespace, *API_KEY_CHECKS]


def test_api_key_checks_are_registered() -> None:
    assert set(API_KEY_CHECKS) <= set(ALL_CHECKS)


def check_ids(**keys: Any) -> list[str]:
    with override_apiauth(**keys):
        return sorted(message.id for check in CHECKS for message in check() if message.id)


def test_the_test_settings_are_clean() -> None:
    assert check_ids() == []


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"API_KEY_PEPPER": None}, "apiauth.W020"),
        ({"API_KEY_PEPPER": "short"}, "apiauth.E020"),
        ({"API_KEY_PEPPER": "tests-only-secret-key-not-for-production-5f2c9a"}, "apiauth.E020"),  # == SECRET_KEY
        ({"API_KEY_QUERY_PARAM": "api_key"}, "apiauth.W021"),
        ({"API_KEY_PREFIX": "has_underscore"}, "apiauth.E021"),
        ({"API_KEY_PREFIX": "9lives"}, "apiauth.E021"),
        ({"API_KEY_HEADER": "X API Key"}, "apiauth.E022"),
        ({"API_KEY_HEADER": "Authorization"}, "apiauth.E022"),
        ({"API_KEY_QUERY_PARAM": "api key"}, "apiauth.E022"),
        ({"API_KEY_CACHE_TTL": 5}, "apiauth.E023"),
        ({"API_KEY_CACHE_TTL": -1}, "apiauth.E023"),
        ({"API_KEY_SCOPES": {"bad scope": None}}, "apiauth.E024"),
        ({"API_KEY_SCOPES": {"read": "nonsense"}}, "apiauth.E024"),
        ({"API_KEY_SCOPES": {"read": 3}}, "apiauth.E024"),
        ({"API_KEY_SCOPE_POLICY": "no.such.module.policy"}, "apiauth.E025"),
        ({"API_KEY_SCOPE_POLICY": "django_apiauth.api_keys.scopes.MAX_SCOPES_PER_KEY"}, "apiauth.E025"),
        ({"API_KEY_DEFAULT_LIFETIME": 0}, "apiauth.E026"),
        ({"API_KEY_MAX_LIFETIME": -5}, "apiauth.E026"),
        ({"API_KEY_MAX_LIFETIME": 3600, "API_KEY_DEFAULT_LIFETIME": 7200}, "apiauth.E026"),
        ({"API_KEY_MAX_LIFETIME": 3600, "API_KEY_DEFAULT_LIFETIME": None}, "apiauth.E026"),
        ({"API_KEY_MAX_PER_USER": 0}, "apiauth.E027"),
        ({"API_KEY_PEPPER": 123}, "apiauth.E003"),
        ({"API_KEY_CACHE_TTL": "1"}, "apiauth.E003"),
        ({"API_KEY_SCOPE_POLICY": 5}, "apiauth.E003"),
    ],
)
def test_each_mistake_has_its_id(keys: dict[str, Any], expected: str) -> None:
    assert expected in check_ids(**keys)


@pytest.mark.parametrize(
    "keys",
    [
        {"API_KEY_CACHE_TTL": 0},
        {"API_KEY_CACHE_TTL": 0.25},
        {"API_KEY_PREFIX": "acme"},
        {"API_KEY_HEADER": "X-Service-Key"},
        {"API_KEY_DEFAULT_LIFETIME": None},
        {"API_KEY_MAX_LIFETIME": 3600, "API_KEY_DEFAULT_LIFETIME": 60},
        {"API_KEY_SCOPES": {"a.b:c-d_e": "auth.view_group", "x": "is_superuser"}},
    ],
)
def test_valid_values_pass(keys: dict[str, Any]) -> None:
    assert check_ids(**keys) == []


def test_query_parameter_warning_is_a_warning() -> None:
    with override_apiauth(API_KEY_QUERY_PARAM="api_key"):
        messages = [m for check in CHECKS for m in check()]
    (warning,) = messages
    assert warning.level == checks.WARNING
