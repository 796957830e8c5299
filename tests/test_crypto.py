"""Pure crypto: key generation, JWK round trips, RFC 7638 thumbprints, encryption at rest and its rotation."""

from __future__ import annotations

from collections.abc import Callable

import jwt as pyjwt
import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from django_apiauth.crypto import encryption, jwk, keys
from django_apiauth.exceptions import ConfigurationError
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys import encryption as at_rest
from django_apiauth.signing_keys.material import load_private_material
from django_apiauth.signing_keys.reencryption import reencrypt_private_keys
from django_apiauth.signing_keys.rotation import ensure_active_key
from django_apiauth.testing import clear_caches
from tests.support.jwt_tokens import issue_access_token

RFC_7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3o"
    "knjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6"
    "qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJz"
    "KnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


def test_thumbprint_matches_the_rfc_7638_example() -> None:
    assert jwk.jwk_thumbprint(RFC_7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_public_jwk_round_trips_and_pyjwt_agrees(algorithm: str) -> None:
    private = keys.generate_private_key(algorithm)
    public = jwk.public_jwk(private.public_key(), algorithm=algorithm)
    assert public["kid"] == pyjwt.PyJWK(public).key_id
    assert jwk.public_jwk(jwk.public_key_from_jwk(public), algorithm=algorithm) == public
    assert pyjwt.PyJWK(public).algorithm_name == algorithm
    pem = keys.private_key_to_pem(private)
    assert jwk.public_key_members(keys.load_private_key_pem(pem).public_key()) == jwk.public_key_members(
        private.public_key()
    )


@pytest.mark.parametrize(
    "bad",
    [{}, {"kty": "RSA"}, {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, {"kty": "oct", "k": "AA"}, {"kty": 1}],
)
def test_malformed_jwks_raise_value_error(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract is "ValueError"
        jwk.public_key_from_jwk(bad)


def test_thumbprint_refuses_unknown_key_types() -> None:
    with pytest.raises(ValueError, match="unsupported key type"):
        jwk.jwk_thumbprint({"kty": "oct", "k": "AA"})


def test_other_curves_and_algorithms_are_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(ValueError, match="P-256"):
        jwk.public_key_members(ec.generate_private_key(ec.SECP384R1()).public_key())
    with pytest.raises(keys.UnsupportedAlgorithm):
        keys.generate_private_key("HS256")
    with pytest.raises(keys.UnsupportedAlgorithm):
        keys.check_algorithm("RS512")


def test_hmac_secrets_are_random_and_long_enough() -> None:
    first, second = keys.generate_hmac_secret(), keys.generate_hmac_secret()
    assert len(first) == 32
    assert first != second


# --- encryption at rest ------------------------------------------------------------------------------------


def test_encrypt_decrypt_round_trip_and_ciphertext_is_not_plaintext() -> None:
    token = at_rest.encrypt_private(b"-----BEGIN PRIVATE KEY-----")
    assert "PRIVATE" not in token
    assert at_rest.decrypt_private(token) == b"-----BEGIN PRIVATE KEY-----"


def test_pure_encryption_uses_only_the_keys_it_is_given() -> None:
    """``crypto`` reads no settings: the same call with other keys cannot decrypt."""
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = encryption.encrypt(b"material", (first,))
    assert encryption.decrypt(token, (second, first)) == b"material"
    assert encryption.decrypt(encryption.reencrypt(token, (second, first)), (second,)) == b"material"
    with pytest.raises(encryption.KeyDecryptionError):
        encryption.decrypt(token, (second,))
    with pytest.raises(ValueError, match="Fernet"):
        encryption.multi_fernet(("é" * 44,))


def test_unknown_key_fails_with_a_message_naming_no_secret(apiauth: Callable[..., None]) -> None:
    token = at_rest.encrypt_private(b"secret")
    other = Fernet.generate_key().decode()
    apiauth(KEY_ENCRYPTION_KEYS=[other])
    with pytest.raises(encryption.KeyDecryptionError) as info:
        at_rest.decrypt_private(token)
    assert other not in str(info.value)
    with pytest.raises(encryption.KeyDecryptionError):
        at_rest.reencrypt_private(token)
    with pytest.raises(encryption.KeyDecryptionError):
        at_rest.decrypt_private("not ascii é")


def test_invalid_configured_key_is_a_configuration_error(apiauth: Callable[..., None]) -> None:
    apiauth(KEY_ENCRYPTION_KEYS=["too-short"])
    with pytest.raises(ConfigurationError):
        at_rest.encrypt_private(b"x")


def test_fallback_is_derived_from_secret_key_and_its_fallbacks(apiauth: Callable[..., None], settings: object) -> None:
    apiauth(KEY_ENCRYPTION_KEYS=[])
    with override_settings(SECRET_KEY="old-secret-" + "x" * 40):
        assert at_rest.configured_keys() == (encryption.derive_fernet_key("old-secret-" + "x" * 40),)
        token = at_rest.encrypt_private(b"material")
    assert encryption.derive_fernet_key("old-secret-" + "x" * 40) != "old-secret-" + "x" * 40
    with override_settings(SECRET_KEY="new-secret-" + "y" * 40, SECRET_KEY_FALLBACKS=["old-secret-" + "x" * 40]):
        assert at_rest.decrypt_private(token) == b"material"
        assert at_rest.decrypt_private(at_rest.reencrypt_private(token)) == b"material"
    with override_settings(SECRET_KEY="new-secret-" + "y" * 40), pytest.raises(encryption.KeyDecryptionError):
        at_rest.decrypt_private(token)


@pytest.mark.django_db
def test_rotating_key_encryption_keys_keeps_every_signing_key_usable(
    apiauth: Callable[..., None], user: object
) -> None:
    """Acceptance: new encryption key first, old kept -> all keys usable; re-encrypt; then drop the old."""
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    apiauth(KEY_ENCRYPTION_KEYS=[old_key])
    SigningKey.objects.all().delete()
    for algorithm in ("RS256", "ES256", "EdDSA"):
        ensure_active_key(algorithm)
    apiauth(JWT_ALLOW_HS256=True)
    ensure_active_key("HS256")
    apiauth(KEY_ENCRYPTION_KEYS=[new_key, old_key])
    clear_caches()
    for key in SigningKey.objects.all():
        assert load_private_material(key.algorithm, key.private_key_ciphertext)
    token = issue_access_token(user).token
    assert reencrypt_private_keys() == SigningKey.objects.count()
    apiauth(KEY_ENCRYPTION_KEYS=[new_key])
    clear_caches()
    for key in SigningKey.objects.all():
        assert load_private_material(key.algorithm, key.private_key_ciphertext)
    assert verify_access_token(token)
    assert verify_access_token(issue_access_token(user).token)


@pytest.mark.django_db
def test_reencrypt_changes_nothing_when_a_key_cannot_be_decrypted(apiauth: Callable[..., None]) -> None:
    ensure_active_key()
    before = list(SigningKey.objects.values_list("private_key_ciphertext", flat=True))
    apiauth(KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    with pytest.raises(encryption.KeyDecryptionError):
        reencrypt_private_keys()
    assert list(SigningKey.objects.values_list("private_key_ciphertext", flat=True)) == before


def test_fernet_key_validation() -> None:
    assert encryption.is_valid_fernet_key(Fernet.generate_key().decode())
    for bad in ("", "short", 42, None, "é" * 44):
        assert not encryption.is_valid_fernet_key(bad)


def test_loading_a_foreign_private_key_type_is_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed448

    pem = ed448.Ed448PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="unsupported private key type"):
        keys.load_private_key_pem(pem)
