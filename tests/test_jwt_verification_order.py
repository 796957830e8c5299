"""Verification of a token whose header this process has seen: the same answers as for a new header.

A remembered header skips the shape check and the header parse; these tests hold that path to the full
one: every malformed variant of a valid token is refused as malformed either way, a remembered header never
lets another key or algorithm through, and a retired key's header is no shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User

from django_apiauth.crypto import keys
from django_apiauth.jwt import algorithms, codec, errors
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.signing_keys.retirement import retire_keys
from django_apiauth.signing_keys.rotation import rotate
from tests.support.jwt_tokens import active_key, b64, b64json, forge, issue_access_token, standard_claims

pytestmark = pytest.mark.django_db


def _segments(token: str) -> tuple[str, str, str]:
    header, payload, signature = token.split(".")
    return header, payload, signature


def _last_char_with_unused_bits_set(signature: str) -> str:
    """The same signature bytes spelled with a non-zero unused low bit in its last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(signature) % 4 in (2, 3)
    return signature[:-1] + alphabet[alphabet.index(signature[-1]) + 1]


MALFORMED: dict[str, Callable[[str], str]] = {
    "non-alphabet character in the payload": lambda t: t.replace(".", ".!", 1),
    "standard base64 '+' in the payload": lambda t: t.replace(".", ".+", 1),
    "'/' in the signature": lambda t: t[:-3] + "/" + t[-2:],
    "padding after the signature": lambda t: t + "=",
    "four standard base64 characters after the signature": lambda t: t + "+/+/",
    "padding inside the signature": lambda t: t[:-4] + "=" + t[-3:],
    "whitespace inside the payload": lambda t: t.replace(".", ". ", 1),
    "non-ASCII character in the payload": lambda t: t.replace(".", ".\u00e9", 1),
    "non-ASCII character in the signature": lambda t: t[:-1] + "\u00e9",
    "a fourth segment": lambda t: t + ".AAAA",
    "no signature segment": lambda t: t.rpartition(".")[0],
    "an empty signature": lambda t: t.rpartition(".")[0] + ".",
    "an empty payload": lambda t: t[: t.index(".") + 1] + t[t.rindex(".") :],
    "a signature of 4n+1 characters": lambda t: t + "A" * ((1 - len(_segments(t)[2])) % 4),
    "non-canonical last signature character": lambda t: (
        t[: t.rindex(".") + 1] + _last_char_with_unused_bits_set(_segments(t)[2])
    ),
}


@pytest.mark.parametrize("mutation", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("header_known", [False, True], ids=["new header", "remembered header"])
def test_malformed_variants_are_refused_as_malformed_either_way(
    user: User, mutation: Callable[[str], str], header_known: bool
) -> None:
    token = issue_access_token(user).token
    if header_known:
        verify_access_token(issue_access_token(user).token)  # same key, same header segment
        assert codec.known_headers.get(token.split(".")[0]) is not None
    with pytest.raises(errors.MalformedToken):
        verify_access_token(mutation(token))
    assert verify_access_token(token)["sub"] == str(user.pk)  # the genuine token still verifies


def test_remembered_header_does_not_vouch_for_another_key(user: User) -> None:
    token = issue_access_token(user).token
    verify_access_token(token)
    header, payload, _ = _segments(token)
    first_kid = active_key("RS256").kid
    other = rotate("RS256").active  # a second RS256 key: same alg, its own kid
    assert other.kid != first_kid
    signed_by_other = forge(standard_claims(sub=str(user.pk)), key=other)
    _, _, other_signature = _segments(signed_by_other)
    with pytest.raises(errors.BadSignature):
        verify_access_token(f"{header}.{_segments(signed_by_other)[1]}.{other_signature}")
    with pytest.raises(errors.BadSignature):
        verify_access_token(f"{header}.{payload}.{b64(b'x' * 256)}")


def test_header_naming_a_key_of_another_algorithm_is_refused_and_not_remembered(user: User) -> None:
    token = issue_access_token(user).token
    verify_access_token(token)
    kid = active_key("RS256").kid
    for alg in ("ES256", "HS256", "none"):
        header = b64json({"alg": alg, "kid": kid, "typ": "at+jwt"})
        forged = f"{header}.{_segments(token)[1]}.{_segments(token)[2]}"
        with pytest.raises(errors.UnacceptableHeader):
            verify_access_token(forged)
        assert codec.known_headers.get(header) is None


def test_remembered_header_of_a_retired_key_is_no_shortcut(user: User) -> None:
    token = issue_access_token(user).token
    verify_access_token(token)
    old = active_key()
    rotate("RS256")
    retire_keys([old.pk])
    with pytest.raises(errors.UnknownSigningKey):
        verify_access_token(token)
    with pytest.raises(errors.MalformedToken):  # the shape is still checked first
        verify_access_token(token.replace(".", ".!", 1))


def test_rs256_verifier_checks_the_signature_and_never_raises() -> None:
    private = keys.generate_private_key("RS256")
    assert isinstance(private, rsa.RSAPrivateKey)
    verify = algorithms.make_verifier("RS256", private.public_key())
    signature = algorithms.sign("RS256", b"message", private)
    assert verify(b"message", signature)
    assert not verify(b"messagE", signature)
    assert not verify(b"message", signature[:-1])
    assert not verify(b"message", "not bytes")  # type: ignore[arg-type]


def test_rs256_with_a_key_that_is_no_rsa_public_key_never_verifies() -> None:
    verify: Any = algorithms.make_verifier("RS256", keys.generate_private_key("ES256").public_key())
    assert not verify(b"message", b"signature")
