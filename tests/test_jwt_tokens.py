"""Issuing and verifying RFC 9068 access tokens; the per-process key cache."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_apiauth.authn import core
from django_apiauth.exceptions import ConfigurationError, InvalidToken, NoSigningKey
from django_apiauth.jwt import access, codec, errors
from django_apiauth.jwt.access import AccessToken, verify_access_token
from django_apiauth.jwt.keystore import KeyStore, key_store
from django_apiauth.jwt.verified_tokens import json_copy, verified_tokens
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.refresh.service import FIRST_PARTY_CLIENT_ID
from django_apiauth.signing_keys.material import load_private_material, new_signing_key
from django_apiauth.signing_keys.retirement import retire_keys
from django_apiauth.signing_keys.rotation import rotate
from tests.support.jwt_tokens import active_key, b64, b64json, forge, issue_access_token, sign, standard_claims
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
ALGORITHMS = ["RS256", "ES256", "EdDSA"]


def _header(token: str) -> dict[str, Any]:
    return pyjwt.get_unverified_header(token)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_issued_token_follows_rfc_9068_and_verifies_with_pyjwt(
    user: User, apiauth: Callable[..., None], algorithm: str
) -> None:
    apiauth(JWT_ALGORITHM=algorithm)
    issued = issue_access_token(user, scopes=["read", "write", "read"], sid="fam-1", client_id="cli")
    key = SigningKey.objects.get(algorithm=algorithm, state=SigningKeyState.ACTIVE)
    assert _header(issued.token) == {"alg": algorithm, "kid": key.kid, "typ": "at+jwt"}
    public = pyjwt.PyJWK(key.public_jwk).key
    claims = pyjwt.decode(
        issued.token, public, algorithms=[algorithm], audience="django-apiauth", issuer="django-apiauth"
    )
    assert claims == issued.claims
    assert claims["sub"] == str(user.pk)
    assert claims["scope"] == "read write"
    assert (claims["sid"], claims["client_id"]) == ("fam-1", "cli")
    assert claims["exp"] - claims["iat"] == issued.expires_in == 15 * 60
    assert claims["jti"] == issued.jti
    assert len(issued.jti) >= 16
    assert verify_access_token(issued.token) == claims


def test_optional_claims_are_omitted_when_not_given(user: User) -> None:
    claims = issue_access_token(user).claims
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "jti"}


def test_the_jwt_layer_never_creates_keys_the_login_service_does(user: User, password: str) -> None:
    """Signing keys own their lifecycle: issuance reads the active key; the first login bootstraps keys."""
    SigningKey.objects.all().delete()
    with pytest.raises(NoSigningKey):
        access.issue_access_token(user)
    assert not SigningKey.objects.exists()
    login = APIClient().post("/auth/login/", {"username": login_name("alice"), "password": password}, format="json")
    assert login.status_code == 200
    states = sorted(SigningKey.objects.values_list("state", flat=True))
    assert states == ["active", "next"]
    assert _header(login.json()["access_token"])["kid"] == SigningKey.objects.get(state="active").kid


def test_login_and_refresh_tokens_name_the_first_party_client(user: User, password: str) -> None:
    """RFC 9068 §2.2: ``client_id`` is required in every access token; the login endpoint is a first-party client."""
    login = (
        APIClient().post("/auth/login/", {"username": login_name("alice"), "password": password}, format="json").json()
    )
    refreshed = APIClient().post("/auth/refresh/", {"refresh_token": login["refresh_token"]}, format="json").json()
    for token in (login["access_token"], refreshed["access_token"]):
        assert verify_access_token(token)["client_id"] == FIRST_PARTY_CLIENT_ID


def test_access_token_repr_hides_the_token(user: User) -> None:
    issued = issue_access_token(user)
    assert isinstance(issued, AccessToken)
    assert issued.token not in repr(issued)


@pytest.mark.parametrize("scope", ["has space", 'quote"', "back\\slash", "", 42])
def test_invalid_scopes_are_a_programming_error(user: User, scope: Any) -> None:
    with pytest.raises(ValueError, match="invalid scope"):
        issue_access_token(user, scopes=[scope])


def test_lifetime_issuer_and_audience_come_from_settings(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(ACCESS_TOKEN_LIFETIME=60, JWT_ISSUER="https://id.example.com", JWT_AUDIENCE="https://api.example.com")
    issued = issue_access_token(user)
    assert issued.expires_in == 60
    assert issued.claims["iss"] == "https://id.example.com"
    assert verify_access_token(issued.token)["aud"] == "https://api.example.com"
    apiauth(JWT_AUDIENCE="https://other.example.com")
    with pytest.raises(errors.InvalidClaims):
        verify_access_token(issued.token)


def test_hs256_needs_the_opt_in_and_is_verifiable_only_while_it_stands(
    user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(JWT_ALGORITHM="HS256")
    with pytest.raises(ConfigurationError):
        issue_access_token(user)
    apiauth(JWT_ALLOW_HS256=True)
    issued = issue_access_token(user)
    assert _header(issued.token)["alg"] == "HS256"
    assert verify_access_token(issued.token)["sub"] == str(user.pk)
    apiauth(JWT_ALLOW_HS256=False)
    with pytest.raises(errors.UnknownSigningKey):
        verify_access_token(issued.token)


def test_leeway_accepts_small_clock_skew_only(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(JWT_LEEWAY=30)
    with time_machine.travel(time.time(), tick=False) as traveller:
        issued = issue_access_token(user)
        traveller.shift(15 * 60 + 29)
        assert verify_access_token(issued.token)
        traveller.shift(2)
        with pytest.raises(errors.TokenExpired):
            verify_access_token(issued.token)


def test_future_iat_beyond_leeway_is_not_yet_valid() -> None:
    token = forge(standard_claims(iat=int(time.time()) + 120))
    with pytest.raises(errors.TokenNotYetValid):
        verify_access_token(token)
    assert verify_access_token(forge(standard_claims(iat=int(time.time()) + 10)))


def test_errors_never_contain_the_token() -> None:
    token = forge(standard_claims(exp=1))
    with pytest.raises(InvalidToken) as info:
        verify_access_token(token)
    assert token not in str(info.value)
    assert token.split(".")[1] not in str(info.value)


# --- the per-process key cache ----------------------------------------------------------------------------


def test_verification_makes_no_query_once_keys_are_loaded(
    user: User, django_assert_num_queries: Callable[..., Any]
) -> None:
    token = issue_access_token(user).token
    verify_access_token(token)
    with django_assert_num_queries(0):
        for _ in range(5):
            verify_access_token(token)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_flood_of_unknown_kids_reloads_at_most_once_per_interval(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(SIGNING_KEY_RELOAD_INTERVAL=5)
    clock = FakeClock()
    store = KeyStore(clock=clock)
    assert store.get(active_key().kid) is not None  # initial load
    with CaptureQueriesContext(connection) as queries:
        for i in range(200):
            assert store.get(f"random-{i}") is None
    assert len(queries) == 0  # loaded less than 5 s ago: no reload at all
    clock.now += 5
    with CaptureQueriesContext(connection) as queries:
        for i in range(200):
            store.get(f"random-{i}")
    assert len(queries) == 1


def test_key_rotated_by_another_process_is_picked_up_without_restart(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(SIGNING_KEY_RELOAD_INTERVAL=5)
    clock = FakeClock()
    other_process_store = KeyStore(clock=clock)
    old = active_key()
    assert other_process_store.get(old.kid) is not None
    # A key this store has never seen (not even as "next"), created "elsewhere": straight into the table.
    stranger = new_signing_key("ES256", state=SigningKeyState.ACTIVE, now=old.created_at)
    stranger.save()
    assert other_process_store.get(stranger.kid) is None  # throttled: loaded just now
    clock.now += 5
    assert other_process_store.get(stranger.kid) is not None


def test_next_key_is_known_before_it_signs(user: User) -> None:
    """Pre-publication works for our own processes too: after a rotation elsewhere, no reload is needed."""
    clock = FakeClock()
    store = KeyStore(clock=clock)
    upcoming = SigningKey.objects.get(algorithm="RS256", state=SigningKeyState.NEXT)
    store.get(active_key().kid)
    rotate("RS256")  # invalidates only the global store, as another process's rotation would
    token = issue_access_token(user).token
    assert pyjwt.get_unverified_header(token)["kid"] == upcoming.kid
    with CaptureQueriesContext(connection) as queries:
        assert store.get(upcoming.kid) is not None
    assert len(queries) == 0


def test_cache_ttl_bounds_how_long_a_retired_key_is_trusted(apiauth: Callable[..., None]) -> None:
    apiauth(SIGNING_KEY_CACHE_TTL=60)
    clock = FakeClock()
    store = KeyStore(clock=clock)
    key = active_key()
    rotate("RS256")
    assert store.get(key.kid) is not None
    SigningKey.objects.filter(pk=key.pk).update(state=SigningKeyState.RETIRED)
    clock.now += 59
    assert store.get(key.kid) is not None
    clock.now += 1
    assert store.get(key.kid) is None


def test_undecryptable_hs256_key_is_skipped_not_fatal(apiauth: Callable[..., None], user: User) -> None:
    apiauth(JWT_ALGORITHM="HS256", JWT_ALLOW_HS256=True)
    issue_access_token(user)
    SigningKey.objects.filter(algorithm="HS256").update(private_key_ciphertext="garbage")
    key_store.invalidate()
    rsa_token = forge(standard_claims(), key=active_key("RS256"))
    assert verify_access_token(rsa_token)["sub"] == "1"


# --- the per-process memory of verified tokens ---------------------------------------------------------


def test_reused_token_skips_the_signature_check_only(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    token = issue_access_token(user).token
    verify_access_token(token)
    calls: list[str] = []
    real_decode = codec.decode_verified
    monkeypatch.setattr(codec, "decode_verified", lambda *a, **k: calls.append("decode") or real_decode(*a, **k))
    assert verify_access_token(token)["sub"] == str(user.pk)
    assert calls == []
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(errors.BadSignature):
        verify_access_token(tampered)
    assert calls == ["decode"]


def test_remembered_tokens_still_expire_and_follow_settings(user: User, apiauth: Callable[..., None]) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:
        token = issue_access_token(user).token
        verify_access_token(token)
        apiauth(JWT_ISSUER="https://new-issuer.example")
        with pytest.raises(errors.InvalidClaims):
            verify_access_token(token)
        apiauth(JWT_ISSUER="django-apiauth")
        traveller.shift(15 * 60 + 31)
        with pytest.raises(errors.TokenExpired):
            verify_access_token(token)


def test_remembered_tokens_of_a_retired_key_are_refused(user: User) -> None:
    token = issue_access_token(user).token
    verify_access_token(token)
    old = active_key()
    rotate("RS256")
    retire_keys([old.pk])
    with pytest.raises(errors.UnknownSigningKey):
        verify_access_token(token)


def test_mutating_returned_claims_does_not_touch_the_memory(user: User) -> None:
    token = forge(standard_claims(sub=str(user.pk), aud=["django-apiauth", "other"], cnf={"jkt": "x"}))
    first = verify_access_token(token)
    first["aud"].append("evil")
    first["cnf"]["jkt"] = "evil"
    first["sub"] = "0"
    again = verify_access_token(token)
    assert again["aud"] == ["django-apiauth", "other"]
    assert again["cnf"] == {"jkt": "x"}
    assert again["sub"] == str(user.pk)


def test_mutating_returned_flat_claims_does_not_touch_the_memory(user: User) -> None:
    token = forge(standard_claims(sub=str(user.pk), scope="orders:read"))
    first = verify_access_token(token)
    first["scope"] = "admin"
    first["extra"] = ["x"]
    again = verify_access_token(token)
    assert again["scope"] == "orders:read"
    assert "extra" not in again
    again["scope"] = "admin"
    assert verify_access_token(token)["scope"] == "orders:read"


def test_json_copy_is_an_independent_deep_copy() -> None:
    value = {"a": [1, {"b": ["c"]}, None], "d": {"e": 1.5, "f": True}, "g": "h"}
    copied = json_copy(value)
    assert copied == value
    copied["a"][1]["b"].append("x")
    copied["d"]["e"] = 0
    copied["a"].pop()
    assert value == {"a": [1, {"b": ["c"]}, None], "d": {"e": 1.5, "f": True}, "g": "h"}
    assert copied["a"] is not value["a"]
    assert copied["d"] is not value["d"]


def test_memory_is_bounded_and_can_be_disabled(
    user: User, apiauth: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    apiauth(JWT_VERIFIED_TOKEN_CACHE_SIZE=3)
    tokens = [issue_access_token(user).token for _ in range(5)]
    for token in tokens:
        verify_access_token(token)
    assert len(verified_tokens) == 3
    assert verified_tokens.get(tokens[0]) is None
    assert verified_tokens.get(tokens[-1]) is not None
    apiauth(JWT_VERIFIED_TOKEN_CACHE_SIZE=0)
    calls: list[str] = []
    real_decode = codec.decode_verified
    monkeypatch.setattr(codec, "decode_verified", lambda *a, **k: calls.append("decode") or real_decode(*a, **k))
    verify_access_token(tokens[-1])  # remembered, but the memory is off: verified again
    verify_access_token(tokens[0])
    assert calls == ["decode", "decode"]
    assert verified_tokens.get(tokens[0]) is None


def test_garbage_never_enters_the_memory() -> None:
    for token in ("garbage", forge(standard_claims(exp=1)), forge(standard_claims(), key=active_key()) + "x"):
        with pytest.raises(InvalidToken):
            verify_access_token(token)
    assert len(verified_tokens) == 0  # not even the well-signed but expired one


def test_only_headers_naming_a_known_key_are_remembered(user: User) -> None:
    codec.known_headers.clear()
    for i in range(100):
        with pytest.raises(errors.UnknownSigningKey):
            verify_access_token(forge(standard_claims(), header={"alg": "RS256", "kid": f"k{i}", "typ": "at+jwt"}))
    assert len(codec.known_headers) == 0
    token = issue_access_token(user).token
    verify_access_token(token)
    assert len(codec.known_headers) == 1
    assert codec.known_headers.get(token.split(".")[0]) is not None


def test_oversized_tokens_are_refused_before_any_work(django_assert_num_queries: Callable[..., Any]) -> None:
    with django_assert_num_queries(0), pytest.raises(errors.TokenTooLarge):
        verify_access_token("A" * 8193)


def _signed_payload(payload: bytes) -> str:
    """A token whose payload segment encodes ``payload`` byte for byte, signed with the active key."""
    key = active_key()
    signing_input = f"{b64json({'alg': key.algorithm, 'kid': key.kid, 'typ': 'at+jwt'})}.{b64(payload)}".encode()
    material = load_private_material(key.algorithm, key.private_key_ciphertext)
    return f"{signing_input.decode()}.{b64(sign(key.algorithm, material, signing_input))}"


@pytest.mark.parametrize(
    ("layout", "accepted"),
    [
        ("{claims}", True),
        ("  {claims}\n", True),  # whitespace around the object: JSON allows it
        ("\ufeff{claims}", False),  # a byte-order mark
        ("{claims} x", False),  # trailing data
        ("{claims}{}", False),  # a second object
        ('{"sub": }', False),  # a value missing inside the object
        ('{"amr": [}', False),  # an unclosed array inside the object
        ('{"sub": "1"', False),  # an unclosed object
        ("[{claims}]", False),  # JSON, but not an object
    ],
)
def test_payload_json_is_read_exactly_as_json_loads_reads_it(user: User, layout: str, accepted: bool) -> None:
    """The verifier reads a compact payload with the JSON scanner directly; every other spelling must get the
    answer ``json.loads`` gives: the same claims when it parses an object, a malformed token otherwise."""
    claims = standard_claims(sub=str(user.pk))
    payload = layout.replace("{claims}", json.dumps(claims, separators=(",", ":"))).encode()
    token = _signed_payload(payload)
    if accepted:
        assert verify_access_token(token) == claims
    else:
        with pytest.raises(errors.MalformedToken):
            verify_access_token(token)


def test_keys_a_verification_reads_directly_have_no_conversion() -> None:
    """``verify_access_token`` and ``verify_bearer`` read these keys as ``values.get(name, default)``, what
    ``Setting.value_in`` returns only for a key without a conversion."""
    direct = (
        access._MAX_TOKEN_BYTES,
        access._ALLOW_HS256,
        access._MEMORY_SIZE,
        access._ISSUER,
        access._AUDIENCE,
        core._MONITOR_CREDENTIAL_USE,
    )
    assert [spec.name for spec in direct if spec.convert is not None] == []


def test_leeway_given_as_a_timedelta_or_as_seconds_is_the_same(user: User, apiauth: Callable[..., None]) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:
        issued = issue_access_token(user)
        traveller.shift(15 * 60 + 29)
        for leeway in (30, 30.0, timedelta(seconds=30)):
            apiauth(JWT_LEEWAY=leeway)
            assert verify_access_token(issued.token)
        for leeway in (28, timedelta(seconds=28)):
            apiauth(JWT_LEEWAY=leeway)
            with pytest.raises(errors.TokenExpired):
                verify_access_token(issued.token)
