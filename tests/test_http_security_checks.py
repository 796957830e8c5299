"""System checks of the HTTP edge (E040-E043, W040, W041) and the revocation cache's eviction and persistence
(W034, W035).

Each id has a case that triggers it and one that does not.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.core.cache import caches

from django_apiauth.checks import ALL_CHECKS, DEPLOY_CHECKS
from django_apiauth.http_security.checks import HTTP_CHECKS, HTTP_DEPLOY_CHECKS
from django_apiauth.refresh.checks import (
    check_revocation_cache_eviction,
    check_revocation_cache_persistence,
    redis_eviction_policy,
)


def ids(*, deploy: bool = False) -> list[str]:
    registered = [*HTTP_CHECKS, *(HTTP_DEPLOY_CHECKS if deploy else [])]
    return sorted(str(message.id) for check in registered for message in check(None))


@pytest.fixture(autouse=True)
def _https_required(apiauth: Any) -> None:
    """The test settings turn the requirement off for the plain-HTTP test client; checks see the default."""
    apiauth(REQUIRE_HTTPS=True)


def test_checks_are_registered_and_deploy_ones_only_for_deploy() -> None:
    assert set(HTTP_CHECKS) <= set(ALL_CHECKS)
    assert set(HTTP_DEPLOY_CHECKS) | {check_revocation_cache_eviction} <= set(DEPLOY_CHECKS)
    deploy_only = checks.registry.registry.get_checks(include_deployment_checks=True)
    plain = checks.registry.registry.get_checks(include_deployment_checks=False)
    assert check_revocation_cache_eviction in deploy_only
    assert check_revocation_cache_eviction not in plain


def test_the_test_configuration_passes() -> None:
    assert ids(deploy=True) == []


@pytest.mark.parametrize(
    ("apiauth_cors", "project", "expected"),
    [
        ({"ALLOWED_ORIGINS": ["*"], "ALLOW_CREDENTIALS": True}, {}, ["apiauth.E040"]),
        ({}, {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True}, ["apiauth.E040"]),
        ({}, {"CORS_ORIGIN_ALLOW_ALL": True, "CORS_ALLOW_CREDENTIALS": True}, ["apiauth.E040"]),
        ({}, {"CORS_ALLOWED_ORIGINS": ["*"], "CORS_ALLOW_CREDENTIALS": True}, ["apiauth.E040"]),
        ({}, {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*$"], "CORS_ALLOW_CREDENTIALS": True}, ["apiauth.E040"]),
        # not triggered: a wildcard without credentials, credentials with listed origins
        ({"ALLOWED_ORIGINS": ["*"]}, {}, []),
        ({}, {"CORS_ALLOW_ALL_ORIGINS": True}, []),
        ({}, {"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.example\.com$"], "CORS_ALLOW_CREDENTIALS": True}, []),
        ({"ALLOWED_ORIGINS": ["https://a.example"], "ALLOW_CREDENTIALS": True}, {}, []),
    ],
)
def test_e040_any_origin_with_credentials(
    apiauth: Any, settings: Any, apiauth_cors: dict[str, Any], project: dict[str, Any], expected: list[str]
) -> None:
    apiauth(CORS=apiauth_cors)
    for name, value in project.items():
        setattr(settings, name, value)
    assert ids() == expected


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ({"CORS_ALLOWED_ORIGINS": ["https://b.example"]}, ["apiauth.E041"]),
        ({"CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://b\.example$"]}, ["apiauth.E041"]),
        ({"CORS_ALLOW_CREDENTIALS": True}, []),
    ],
)
def test_e041_origins_in_both_places(apiauth: Any, settings: Any, project: dict[str, Any], expected: list[str]) -> None:
    apiauth(CORS={"ALLOWED_ORIGINS": ["https://a.example"]})
    for name, value in project.items():
        setattr(settings, name, value)
    assert ids() == expected


def test_e041_not_triggered_by_the_projects_settings_alone(apiauth: Any, settings: Any) -> None:
    apiauth(CORS={})
    settings.CORS_ALLOWED_ORIGINS = ["https://b.example"]
    assert ids() == []


@pytest.mark.parametrize(
    "cors",
    [
        {"ORIGINS": ["https://a.example"]},
        {"ALLOWED_ORIGINS": "https://a.example"},
        {"ALLOWED_ORIGINS": ["a.example"]},
        {"ALLOWED_ORIGINS": ["https://a.example/path"]},
        {"ALLOWED_ORIGINS": [42]},
        {"ALLOW_CREDENTIALS": "yes"},
        {"EXPOSE_HEADERS": "RateLimit"},
        {"EXPOSE_HEADERS": [1]},
    ],
)
def test_e042_malformed_cors_block(apiauth: Any, cors: dict[str, Any]) -> None:
    apiauth(CORS=cors)
    assert ids() == ["apiauth.E042"]


def test_e042_not_triggered_by_a_complete_block(apiauth: Any) -> None:
    apiauth(CORS={"ALLOWED_ORIGINS": ["https://a.example", "http://localhost:3000"], "EXPOSE_HEADERS": ["X-A"]})
    assert ids() == []


@pytest.mark.parametrize(
    "block",
    [{"CSP_POLICY": {}}, {"CSP": "default-src 'self'"}, {"CSP": {"img-src": "data:"}}, {"CSP": {"img-src": [1]}}],
)
def test_e043_malformed_security_headers_block(apiauth: Any, block: dict[str, Any]) -> None:
    apiauth(SECURITY_HEADERS=block)
    assert ids() == ["apiauth.E043"]


def test_e043_not_triggered_by_a_valid_block(apiauth: Any) -> None:
    apiauth(SECURITY_HEADERS={"CSP": {"img-src": ["'self'", "data:"], "base-uri": None}, "HSTS_SECONDS": 60})
    assert ids() == []


def test_non_dict_blocks_are_left_to_the_type_check(apiauth: Any) -> None:
    apiauth(CORS=["https://a.example"], SECURITY_HEADERS="strict")
    assert ids() == []


def test_w040_https_off_without_a_trusted_proxy_header(apiauth: Any, settings: Any) -> None:
    apiauth(REQUIRE_HTTPS=False)
    assert ids(deploy=True) == ["apiauth.W040"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert ids(deploy=True) == []


def test_w040_not_triggered_while_https_is_required(apiauth: Any) -> None:
    apiauth(REQUIRE_HTTPS=True)
    assert ids(deploy=True) == []


def test_w041_refresh_cookie_not_secure(apiauth: Any, settings: Any) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="cookie")
    settings.DEBUG = True
    assert ids(deploy=True) == ["apiauth.W041"]
    settings.DEBUG = False
    assert ids(deploy=True) == []


def test_w041_not_triggered_without_cookie_transport(apiauth: Any, settings: Any) -> None:
    settings.DEBUG = True
    apiauth(REFRESH_TOKEN_TRANSPORT="body")
    assert ids(deploy=True) == []


# --- W034: a cache that evicts revocations ----------------------------------------------------------------
def _eviction_ids() -> list[str]:
    return [str(message.id) for message in check_revocation_cache_eviction(None)]


def _locmem(**options: Any) -> dict[str, Any]:
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": options}}


def test_w034_small_local_memory_cache(settings: Any) -> None:
    settings.CACHES = _locmem()
    assert _eviction_ids() == ["apiauth.W034"]
    settings.CACHES = _locmem(MAX_ENTRIES=1000)
    assert _eviction_ids() == ["apiauth.W034"]


def test_w034_not_triggered_by_a_large_local_cache_or_without_revocation_checks(settings: Any, apiauth: Any) -> None:
    settings.CACHES = _locmem(MAX_ENTRIES=1_000_000)
    assert _eviction_ids() == []
    settings.CACHES = _locmem()
    apiauth(CHECK_REVOKED_SESSIONS=False)
    assert _eviction_ids() == []


def test_w034_not_triggered_by_other_backends(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}}
    assert _eviction_ids() == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A redis-server of our own: its eviction policy and persistence are ours to change without touching the
    shared one; whatever it writes to disk stays in ``tmp_path``."""
    port = _free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(  # noqa: S603
        [*command, "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                process.wait(timeout=0.05) if process.poll() is not None else None
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _redis_caches(url: str, backend: str) -> dict[str, Any]:
    return {"default": {"BACKEND": backend, "LOCATION": url}}


@pytest.mark.parametrize("backend", ["django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache"])
def test_w034_redis_policy(private_redis: str, settings: Any, backend: str) -> None:
    import redis

    settings.CACHES = _redis_caches(private_redis, backend)
    try:
        redis.Redis.from_url(private_redis).config_set("maxmemory-policy", "noeviction")
        assert redis_eviction_policy("default") == "noeviction"
        assert _eviction_ids() == []
        redis.Redis.from_url(private_redis).config_set("maxmemory-policy", "allkeys-lru")
        assert _eviction_ids() == ["apiauth.W034"]
        redis.Redis.from_url(private_redis).config_set("maxmemory-policy", "volatile-ttl")
        assert _eviction_ids() == ["apiauth.W034"]
    finally:
        caches["default"].close()


def test_w034_silent_when_redis_cannot_be_asked(settings: Any) -> None:
    settings.CACHES = _redis_caches(f"redis://127.0.0.1:{_free_port()}/0", "django_redis.cache.RedisCache")
    assert redis_eviction_policy("default") is None
    assert _eviction_ids() == []


# --- W035: a Redis that restarts from an old snapshot -----------------------------------------------------
def _persistence_ids() -> list[str]:
    return [str(message.id) for message in check_revocation_cache_persistence(None)]


@pytest.mark.parametrize("backend", ["django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache"])
def test_w035_snapshots_without_an_append_only_file(private_redis: str, settings: Any, backend: str) -> None:
    import redis

    settings.CACHES = _redis_caches(private_redis, backend)
    server = redis.Redis.from_url(private_redis)
    try:
        assert _persistence_ids() == []  # keeps nothing: restarts empty
        server.config_set("save", "3600 1 300 100")
        assert _persistence_ids() == ["apiauth.W035"]
        server.config_set("appendonly", "yes")
        assert _persistence_ids() == []  # replays every revocation
    finally:
        caches["default"].close()
        server.config_set("appendonly", "no")  # stops quickly again: nothing to rewrite or save at exit
        server.config_set("save", "")


def test_w035_silent_when_redis_cannot_be_asked_or_holds_no_session_state(settings: Any, apiauth: Any) -> None:
    settings.CACHES = _redis_caches(f"redis://127.0.0.1:{_free_port()}/0", "django_redis.cache.RedisCache")
    assert _persistence_ids() == []
    settings.CACHES = _locmem(MAX_ENTRIES=1_000_000)
    assert _persistence_ids() == []


def test_w035_not_asked_without_revocation_checks(private_redis: str, settings: Any, apiauth: Any) -> None:
    import redis

    settings.CACHES = _redis_caches(private_redis, "django_redis.cache.RedisCache")
    redis.Redis.from_url(private_redis).config_set("save", "3600 1")
    try:
        apiauth(CHECK_REVOKED_SESSIONS=False)
        assert _persistence_ids() == []
    finally:
        caches["default"].close()
        redis.Redis.from_url(private_redis).config_set("save", "")
