"""The APIAUTH namespace: documented defaults, values read at call time, import strings resolved on access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from django_apiauth import conf
from django_apiauth.conf import apiauth_settings
from django_apiauth.events.sinks import DatabaseSink
from django_apiauth.settings_reference import settings_reference_markdown
from django_apiauth.testing import override_apiauth


def test_defaults_apply_when_project_sets_nothing() -> None:
    with override_settings(APIAUTH={}):
        assert timedelta(seconds=60) == apiauth_settings.EVENT_AGGREGATION_WINDOW
        assert apiauth_settings.TRUSTED_PROXIES == ()
        assert apiauth_settings.CACHE_ALIAS == "default"


def test_values_are_read_at_call_time_so_override_settings_works() -> None:
    """Regression guard: a value captured at import would ignore the override below."""
    before = apiauth_settings.EVENT_RETENTION
    with override_settings(APIAUTH={"EVENT_RETENTION": timedelta(days=7)}):
        assert timedelta(days=7) == apiauth_settings.EVENT_RETENTION
    assert before == apiauth_settings.EVENT_RETENTION


def test_namespace_set_or_deleted_through_django_settings_is_read_at_once(settings: Any) -> None:
    """Reads take the value Django's settings object has already served; setting or deleting the namespace
    through it (as the ``settings`` fixture and ``override_settings`` do) must never leave an old value."""
    settings.APIAUTH = {"EVENT_RETENTION": 5}
    assert timedelta(seconds=5) == apiauth_settings.EVENT_RETENTION
    settings.APIAUTH = {"EVENT_RETENTION": 6}
    assert timedelta(seconds=6) == apiauth_settings.EVENT_RETENTION
    del settings.APIAUTH
    assert conf.user_settings() == {}
    assert timedelta(days=90) == apiauth_settings.EVENT_RETENTION


def test_numbers_of_seconds_are_accepted_for_durations() -> None:
    with override_apiauth(EVENT_AGGREGATION_WINDOW=5):
        assert timedelta(seconds=5) == apiauth_settings.EVENT_AGGREGATION_WINDOW


def test_import_strings_are_resolved_on_access() -> None:
    with override_apiauth(EVENT_SINKS=["django_apiauth.events.sinks.DatabaseSink"]):
        assert [DatabaseSink] == apiauth_settings.EVENT_SINKS
    with override_apiauth(EVENT_SINKS=[]):
        assert apiauth_settings.EVENT_SINKS == []


def test_non_dict_namespace_falls_back_to_defaults() -> None:
    with override_settings(APIAUTH="oops"):
        assert conf.user_settings() == {}
        assert apiauth_settings.CACHE_ALIAS == "default"


def test_override_apiauth_keeps_other_keys() -> None:
    with override_settings(APIAUTH={"CACHE_ALIAS": "other", "EVENT_RETENTION": 10}):
        with override_apiauth(EVENT_RETENTION=20):
            assert apiauth_settings.CACHE_ALIAS == "other"
            assert timedelta(seconds=20) == apiauth_settings.EVENT_RETENTION
        assert timedelta(seconds=10) == apiauth_settings.EVENT_RETENTION


def test_override_apiauth_as_decorator() -> None:
    @override_apiauth(CACHE_ALIAS="decorated")
    def read() -> str:
        return apiauth_settings.CACHE_ALIAS

    assert read() == "decorated"
    assert apiauth_settings.CACHE_ALIAS == "default"


def test_apiauth_fixture_overrides_single_keys(apiauth: Callable[..., None]) -> None:
    apiauth(CACHE_ALIAS="from-fixture")
    assert apiauth_settings.CACHE_ALIAS == "from-fixture"


def test_descriptor_on_class_is_the_descriptor() -> None:
    assert isinstance(conf.ApiAuthSettings.CACHE_ALIAS, conf.Setting)


def test_value_in_reads_the_given_dict_with_and_without_a_conversion() -> None:
    plain, duration = conf.ApiAuthSettings.JWT_MAX_TOKEN_BYTES, conf.ApiAuthSettings.JWT_LEEWAY
    assert plain.value_in({}) == plain.default
    assert plain.value_in({"JWT_MAX_TOKEN_BYTES": 123}) == 123
    assert duration.value_in({"JWT_LEEWAY": 5}) == timedelta(seconds=5)
    loose = conf.Setting[int](7, (int,), "A key declared outside a settings class.")
    assert loose.value_in({}) == 7


@pytest.mark.parametrize(
    "namespace",
    [{}, "not a dict", {"EVENT_RETENTION": 7, "JWT_MAX_TOKEN_BYTES": 123, "TRUSTED_PROXIES": ["10.0.0.0/8"]}],
    ids=["unset", "not-a-dict", "some-keys-set"],
)
def test_the_accessor_and_value_in_read_the_same_value_for_every_key(namespace: Any) -> None:
    """The descriptor reads the project dict inline (it runs from C on hot paths), ``value_in`` through
    ``user_settings()``: two spellings of one read, which must never disagree."""
    with override_settings(APIAUTH=namespace):
        for name, spec in conf.SPECS.items():
            assert getattr(apiauth_settings, name) == spec.value_in(conf.user_settings()), name


@pytest.mark.parametrize("name", sorted(conf.SPECS))
def test_every_spec_has_doc_and_accepts_its_default(name: str) -> None:
    spec = conf.SPECS[name]
    assert spec.doc.strip()
    assert isinstance(spec.default, spec.types)


@pytest.mark.parametrize("name", sorted(conf.SPECS))
def test_every_key_has_a_typed_accessor(name: str) -> None:
    value: Any = getattr(apiauth_settings, name)
    assert value is not None or conf.SPECS[name].default is None


def test_reference_table_lists_every_key() -> None:
    table = settings_reference_markdown()
    for name in conf.SPECS:
        assert f"| `{name}` |" in table


@pytest.mark.parametrize("name", sorted(conf.SPECS))
def test_every_default_satisfies_its_own_constraints(name: str) -> None:
    spec = conf.SPECS[name]
    assert spec.violation(spec.default) is None
    assert spec.name == name


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("JWT_ALGORITHM", "none", "must be one of 'RS256', 'ES256', 'EdDSA', 'HS256'"),
        ("API_KEY_PREFIX", "9lives", "must match '[A-Za-z][A-Za-z0-9]{0,15}'"),
        ("JWT_ISSUER", "", "must be at least 1 characters long"),
        ("ACCESS_TOKEN_LIFETIME", timedelta(0), "must be greater than 0"),
        ("JWT_LEEWAY", -1, "must be at least 0"),
        ("API_KEY_CACHE_TTL", 1.5, "must be at most 1"),
        ("API_KEY_CACHE_TTL", 0.5, None),
        ("API_KEY_MAX_LIFETIME", None, None),
        ("TRUSTED_PROXIES", ["10.0.0.0/8"], None),
    ],
)
def test_constraints_are_checked_generically(name: str, value: Any, expected: str | None) -> None:
    assert conf.SPECS[name].violation(value) == expected


def test_constraint_text_names_every_kind_of_bound() -> None:
    assert conf.SPECS["API_KEY_CACHE_TTL"].constraint_text() == ">= 0; <= 1"
    assert conf.SPECS["ACCESS_TOKEN_LIFETIME"].constraint_text() == "> 0 s"
    assert conf.SPECS["JWT_ISSUER"].constraint_text() == "at least 1 characters"
    assert conf.SPECS["REFRESH_TOKEN_TRANSPORT"].constraint_text() == "one of `body`, `cookie`, `both`"
    assert conf.SPECS["API_KEY_PREFIX"].constraint_text() == "matches `[A-Za-z][A-Za-z0-9]{0,15}`"
    assert conf.SPECS["CACHE_ALIAS"].constraint_text() == ""


def test_the_jwt_algorithm_choices_are_the_supported_algorithms() -> None:
    """``crypto`` reads no settings, so the choice list lives on the setting; the two must agree."""
    from django_apiauth.crypto.keys import SUPPORTED_ALGORITHMS

    assert conf.SPECS["JWT_ALGORITHM"].choices == SUPPORTED_ALGORITHMS
