"""Hostile JSON request bodies: each is a 400 ``invalid_request``, never a 500 and never a login.

The app's endpoints parse bodies strictly (deep nesting, duplicate keys, ``NaN`` and bytes-to-bytes charsets
refused). Where a laxer parser would have logged the user in, the body carries valid credentials, so that
only the strictness stands between the request and a token pair.
"""

from __future__ import annotations

import codecs
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models import APIKey
from django_apiauth.models.refresh import RefreshTokenFamily
from tests.support.oauth_errors import assert_oauth_error
from tests.support.refresh_tokens import LOGIN, LOGOUT, PASSWORD, REFRESH
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
JSON = "application/json"
DEEP_BODIES = {
    "nested arrays": "[" * 20_000 + "]" * 20_000,
    "nested objects": '{"a":' * 10_000 + "1" + "}" * 10_000,
}


def credentials(**extra: object) -> dict[str, object]:
    return {"username": login_name("alice"), "password": PASSWORD, **extra}


def test_the_valid_body_of_these_tests_logs_in(user: User) -> None:
    """The control: without the hostile part, the same credentials do get a token pair."""
    response = Client().post(LOGIN, json.dumps(credentials()), content_type=JSON)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", [LOGIN, REFRESH, LOGOUT])
@pytest.mark.parametrize("case", DEEP_BODIES)
def test_deeply_nested_json_is_a_400_not_a_500(path: str, case: str, user: User) -> None:
    """Python's JSON decoder raises RecursionError (not ValueError) past ~1000 levels: below the size limit."""
    response = Client().post(path, DEEP_BODIES[case], content_type=JSON)

    assert_oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [b"[" * 20_000 + b"]" * 20_000, b'{"name": ' + b'{"a":' * 8_000 + b"1" + b"}" * 8_001],
    ids=["deep array", "deep object"],
)
def test_deeply_nested_json_to_the_key_endpoints_is_a_400(api_client: APIClient, user: User, body: bytes) -> None:
    """DRF's own parser let RecursionError through on the self-service endpoints."""
    api_client.force_login(user)

    response = api_client.post("/auth/api-keys/", body, content_type=JSON)

    assert_oauth_error(response, 400, "invalid_request")
    assert not APIKey.objects.exists()


def test_duplicate_json_keys_are_refused(user: User) -> None:
    """A proxy or WAF reading the first ``username`` must not see another user than the one we log in."""
    name = json.dumps
    body = f'{{"username": {name(login_name("nobody"))}, "username": {name(login_name("alice"))}, '
    body += f'"password": {name(PASSWORD)}}}'

    response = Client().post(LOGIN, body, content_type=JSON)

    assert "duplicate keys" in assert_oauth_error(response, 400, "invalid_request")["error_description"]
    assert not RefreshTokenFamily.objects.exists()


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "base64_codec"])
def test_byte_codec_charsets_are_refused(charset: str, user: User) -> None:
    """A compressed body declared as ``charset=bz2_codec`` would expand past every size limit."""
    body = codecs.encode(json.dumps(credentials()).encode(), charset)

    response = Client().generic("POST", LOGIN, body, content_type=f"{JSON}; charset={charset}")

    assert "Unsupported charset" in assert_oauth_error(response, 400, "invalid_request")["error_description"]
    assert not RefreshTokenFamily.objects.exists()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_constants_are_refused(constant: str, user: User) -> None:
    """Python's json accepts NaN/Infinity, which JSON does not define; a strict parser says 400."""
    body = json.dumps(credentials())[:-1] + f', "device": {constant}}}'

    response = Client().post(LOGIN, body, content_type=JSON)

    assert "not JSON compliant" in assert_oauth_error(response, 400, "invalid_request")["error_description"]
    assert not RefreshTokenFamily.objects.exists()
