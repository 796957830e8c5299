"""Red-team findings around bearer JWTs, JWKS and API keys, each pinned by a test that failed before its fix."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.jwt.claims import is_number
from django_apiauth.models import APIKey
from tests.support.jwt_tokens import active_key, b64, forge, standard_claims
from tests.support.users import create_user

pytestmark = pytest.mark.django_db
LIST = "/auth/api-keys/"


def assert_json_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]


@pytest.fixture
def client(api_client: APIClient, user: User) -> APIClient:
    api_client.force_login(user)
    return api_client


# --- request bodies of the self-service endpoints ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 20_000 + b"]" * 20_000,
        b'{"name": ' + b'{"a":' * 8_000 + b"1" + b"}" * 8_001,
    ],
    ids=["deep array", "deep object"],
)
def test_deeply_nested_json_body_is_a_400_not_a_500(client: APIClient, body: bytes) -> None:
    """Python's json module raises RecursionError (not ValueError) on deep nesting; DRF let it through."""
    response = client.post(LIST, body, content_type="application/json")
    assert_json_error(response, 400, "invalid_request")
    assert not APIKey.objects.exists()


@pytest.mark.parametrize("name", [5, 1.5, True])
def test_key_name_must_be_a_json_string(client: APIClient, name: object) -> None:
    """DRF's CharField turns numbers and booleans into text; the contract asks for a string."""
    response = client.post(LIST, {"name": name}, format="json")
    assert_json_error(response, 400, "invalid_request")
    assert response.json()["fields"]["name"]
    assert not APIKey.objects.exists()


@pytest.mark.parametrize("scope", [1, True, 2.5])
def test_scopes_must_be_json_strings(client: APIClient, scope: object) -> None:
    response = client.post(LIST, {"name": "n", "scopes": [scope]}, format="json")
    assert_json_error(response, 400, "invalid_request")
    assert response.json()["fields"]["scopes"]
    assert not APIKey.objects.exists()


# --- JWKS -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/auth/jwks.json", "/.well-known/jwks.json"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_jwks_write_methods_get_405_json_even_with_csrf_checks(path: str, method: str) -> None:
    """CsrfViewMiddleware answered these with Django's HTML 403 page before the view could say 405."""
    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    assert_json_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


# --- claims that only a key holder can sign, checked anyway ----------------------------------------------------


@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["10**400", "-10**400"])
def test_integers_beyond_float_range_are_not_numbers(value: int) -> None:
    assert is_number(value) is False


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_signed_token_with_a_huge_integer_time_is_a_401_not_a_500(
    api_client: APIClient, user: User, claim: str
) -> None:
    token = forge(standard_claims(sub=str(user.pk), **{claim: 10**400}))
    response = api_client.get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_json_error(response, 401, "invalid_token")


# --- token malleability -----------------------------------------------------------------------------------------


def _non_canonical(segment: str) -> str | None:
    """``segment`` with unused low bits of its last character set: decodes to the same bytes."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare_bits = {2: 4, 3: 2}.get(len(segment) % 4)
    if spare_bits is None:
        return None
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last | ((1 << spare_bits) - 1)]


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
    assert_json_error(response, 401, "invalid_token")


# --- secrets in repr ----------------------------------------------------------------------------------------------


def test_cached_key_row_repr_shows_no_secret_hash(issue_key: Any) -> None:
    """``KeyRow`` is what the hot path holds in locals and in its cache: tracebacks and debuggers print it."""
    from django_apiauth.api_keys.authenticate import authenticate_api_key
    from django_apiauth.api_keys.cache import verified_keys
    from django_apiauth.api_keys.service import rotate_api_key

    issued = issue_key()
    rotate_api_key(issued.key.pk)
    key = APIKey.objects.get(pk=issued.key.pk)
    authenticate_api_key(rotate_api_key(key.pk).plaintext)
    row = verified_keys.get(key.lookup_id)
    assert row is not None
    text = repr(row)
    assert key.lookup_id in text
    for digest in (key.secret_hash, key.previous_secret_hash, row.secret_hash, row.previous_secret_hash):
        assert digest
        assert digest not in text


# --- admin: a staff member with only "add API key" must not mint a credential that outranks them ---------------


@pytest.fixture
def staff_client(password: str) -> Callable[..., Client]:
    """``staff_client(username, *codenames)``: a logged-in staff member holding only those permissions."""
    from django.contrib.auth.models import Permission

    def make(username: str, *codenames: str) -> Client:
        member = create_user(username, password=password, is_staff=True)
        member.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
        client = Client()
        client.force_login(member)
        return client

    return make


@pytest.fixture
def key_clerk(staff_client: Callable[..., Client]) -> Client:
    return staff_client("clerk", "add_apikey", "view_apikey")


def _admin_add(client: Client, owner: User, scopes: str) -> Any:
    data = {"owner": owner.pk, "name": "deploy", "scopes": scopes, "lifetime": ""}
    return client.post("/admin/apiauth/apikey/add/", data, follow=True)


def test_non_superuser_cannot_create_a_key_for_a_superuser(key_clerk: Client, password: str) -> None:
    root = create_user("root", password, is_staff=True, is_superuser=True)
    response = _admin_add(key_clerk, root, "read")
    assert response.status_code == 200
    assert "Only superusers may create keys for staff members or superusers." in response.content.decode()
    assert not APIKey.objects.exists()


def test_non_superuser_cannot_grant_a_scope_they_do_not_hold(key_clerk: Client, user: User, apiauth: Any) -> None:
    apiauth(SCOPES={"read": {"grant": "anyone"}, "billing": {"grant": "perm:apiauth.delete_apikey"}})
    response = _admin_add(key_clerk, user, "read, billing")
    assert "You may not grant scope &#x27;billing&#x27;." in response.content.decode()
    assert not APIKey.objects.exists()
    ok = _admin_add(key_clerk, user, "read")
    assert ok.status_code == 200
    assert APIKey.objects.get().scopes == ["read"]
    assert APIKey.objects.get().owner == user


@pytest.fixture
def key_editor(staff_client: Callable[..., Client]) -> Client:
    return staff_client("editor", "change_apikey", "view_apikey")


def _admin_change(client: Client, key: APIKey, scopes: str) -> Any:
    data = {"name": key.name, "scopes": scopes, "expires_at_0": "", "expires_at_1": ""}
    return client.post(f"/admin/apiauth/apikey/{key.pk}/change/", data, follow=True)


def test_change_form_cannot_add_scopes_the_editor_does_not_hold(
    key_editor: Client, issue_key: Callable[..., Any], apiauth: Any
) -> None:
    apiauth(SCOPES={"read": {"grant": "anyone"}, "billing": {"grant": "perm:apiauth.delete_apikey"}})
    key = issue_key(scopes=["read"]).key
    response = _admin_change(key_editor, key, "read, billing")
    assert "You may not grant scope &#x27;billing&#x27;." in response.content.decode()
    key.refresh_from_db()
    assert key.scopes == ["read"]


def test_change_form_cannot_widen_a_superusers_key(
    key_editor: Client, issue_key: Callable[..., Any], password: str, apiauth: Any
) -> None:
    apiauth(SCOPES={"read": {"grant": "anyone"}, "write": {"grant": "anyone"}})
    root = create_user("root", password, is_staff=True, is_superuser=True)
    key = issue_key(owner=root, scopes=["read"]).key
    response = _admin_change(key_editor, key, "read, write")
    assert "Only superusers may widen keys of staff members or superusers." in response.content.decode()
    key.refresh_from_db()
    assert key.scopes == ["read"]
    narrowed = _admin_change(key_editor, key, "")
    assert narrowed.status_code == 200
    key.refresh_from_db()
    assert key.scopes == []
