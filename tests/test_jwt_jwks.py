"""The JWKS endpoint: what it publishes, its caching headers, and an independent verifier over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.retirement import retire_keys
from django_apiauth.signing_keys.rotation import rotate
from tests.support.jwt_tokens import active_key, issue_access_token
from tests.support.users import create_user

pytestmark = pytest.mark.django_db
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def kids(response: Any) -> list[str]:
    return [key["kid"] for key in response.json()["keys"]]


@pytest.mark.parametrize("url", ["/auth/jwks.json", "/.well-known/jwks.json"])
def test_jwks_publishes_active_next_and_retiring_public_keys_only(api_client: APIClient, url: str) -> None:
    first = active_key()
    rotate("RS256")
    second = SigningKey.objects.get(algorithm="RS256", state=SigningKeyState.ACTIVE)
    upcoming = SigningKey.objects.get(algorithm="RS256", state=SigningKeyState.NEXT)
    response = api_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert kids(response) == [second.kid, upcoming.kid, first.kid]  # active, next, retiring
    for jwk in response.json()["keys"]:
        assert not PRIVATE_MEMBERS & set(jwk)
        assert jwk["use"] == "sig"
        assert jwk["alg"] == "RS256"
    retire_keys([first.pk])
    assert first.kid not in kids(api_client.get(url))


def test_hs256_keys_are_never_published(api_client: APIClient, apiauth: Callable[..., None], user: User) -> None:
    apiauth(JWT_ALGORITHM="HS256", JWT_ALLOW_HS256=True)
    issue_access_token(user)
    assert SigningKey.objects.filter(algorithm="HS256").count() == 2
    published = api_client.get("/auth/jwks.json").json()["keys"]
    assert {key["alg"] for key in published} <= {"RS256", "ES256", "EdDSA"}
    assert not SigningKey.objects.filter(algorithm="HS256", kid__in=[k["kid"] for k in published]).exists()


def test_cache_headers_and_conditional_get(api_client: APIClient, apiauth: Callable[..., None]) -> None:
    apiauth(JWKS_MAX_AGE=600)
    active_key()
    response = api_client.get("/auth/jwks.json")
    assert response["Cache-Control"] == "public, max-age=600"
    etag = response["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert api_client.get("/auth/jwks.json", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api_client.get("/auth/jwks.json", HTTP_IF_NONE_MATCH=f'W/{etag}, "x"').status_code == 304
    assert api_client.get("/auth/jwks.json", HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    rotate("RS256")
    changed = api_client.get("/auth/jwks.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_head_and_options_work_and_writes_answer_json_405(api_client: APIClient) -> None:
    assert api_client.head("/auth/jwks.json").status_code == 200
    assert api_client.options("/auth/jwks.json").status_code == 200
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api_client, method)("/auth/jwks.json", {"keys": []})
        assert response.status_code == 405
        assert response.json()["error"] == "method_not_allowed"


def test_jwks_of_an_empty_table_is_an_empty_set(api_client: APIClient) -> None:
    SigningKey.objects.all().delete()
    assert api_client.get("/auth/jwks.json").json() == {"keys": []}


def test_jwks_is_readable_cross_origin(api_client: APIClient) -> None:
    assert api_client.get("/auth/jwks.json")["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_pyjwkclient_verifies_our_tokens_over_http(
    live_server: Any, transactional_db: None, apiauth: Callable[..., None], algorithm: str
) -> None:
    """An independent verifier, given only the example project's JWKS URL, accepts our tokens."""
    apiauth(JWT_ALGORITHM=algorithm)
    user = create_user("http-verifier", password="x")
    issued = issue_access_token(user, scopes=["read"])
    client = pyjwt.PyJWKClient(f"{live_server.url}/.well-known/jwks.json", cache_jwk_set=False)
    signing_key = client.get_signing_key_from_jwt(issued.token)
    claims = pyjwt.decode(
        issued.token,
        signing_key.key,
        algorithms=[algorithm],
        audience="django-apiauth",
        issuer="django-apiauth",
    )
    assert claims["sub"] == str(user.pk)
    assert claims["scope"] == "read"
    # ... and after a rotation the same client finds the new kid (it was published as "next" before).
    rotate(algorithm)
    newer = issue_access_token(user)
    assert pyjwt.get_unverified_header(newer.token)["kid"] != signing_key.key_id
    assert client.get_signing_key_from_jwt(newer.token).key_id == pyjwt.get_unverified_header(newer.token)["kid"]


def test_anonymous_jwks_traffic_costs_no_query_per_request(
    api_client: APIClient, user: User, django_assert_max_num_queries: Any
) -> None:
    """The endpoint is public: a flood of requests must not become a flood of queries."""
    issue_access_token(user)  # bootstraps the keys
    api_client.get("/auth/jwks.json")
    with django_assert_max_num_queries(0):
        for _ in range(50):
            assert api_client.get("/auth/jwks.json").status_code == 200


def test_a_rotation_in_this_process_is_published_at_once(api_client: APIClient, user: User) -> None:
    issue_access_token(user)
    before = {k["kid"] for k in api_client.get("/auth/jwks.json").json()["keys"]}
    rotate("RS256")
    after = {k["kid"] for k in api_client.get("/auth/jwks.json").json()["keys"]}
    assert after - before  # the new next key is listed without waiting for the interval
