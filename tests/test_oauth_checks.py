"""``apiauth.W150``: the metadata is served but the issuer is not an https URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import clear_url_caches

from django_apiauth.oauth.checks import check_https_issuer


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:8000", "django-apiauth", "https://a.example/?x=1", "https://"])
def test_w150_when_the_issuer_is_not_https(settings: Any, issuer: str) -> None:
    settings.APIAUTH = {**settings.APIAUTH, "JWT_ISSUER": issuer}
    assert [m.id for m in check_https_issuer()] == ["apiauth.W150"]


def test_no_w150_for_an_https_issuer(settings: Any) -> None:
    settings.APIAUTH = {**settings.APIAUTH, "JWT_ISSUER": "https://auth.example.com"}
    assert check_https_issuer() == []


def test_no_w150_when_no_metadata_is_served(settings: Any) -> None:
    settings.APIAUTH = {**settings.APIAUTH, "JWT_ISSUER": "http://127.0.0.1:8000"}
    settings.ROOT_URLCONF = "tests.urls_without_metadata"
    clear_url_caches()
    try:
        assert check_https_issuer() == []
    finally:
        clear_url_caches()


@pytest.mark.django_db  # the deploy checks read the stored signing keys (apiauth.E017)
def test_w150_is_a_deploy_check(settings: Any) -> None:
    from django.core import checks

    settings.APIAUTH = {**settings.APIAUTH, "JWT_ISSUER": "http://127.0.0.1:8000"}
    ids = [m.id for m in checks.run_checks(include_deployment_checks=True, tags=["apiauth"])]
    assert "apiauth.W150" in ids
    assert "apiauth.W150" not in [m.id for m in checks.run_checks(tags=["apiauth"])]
