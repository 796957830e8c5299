"""Signing-key material: generation and (de)serialisation of private keys, with ``cryptography`` only.

The algorithm names are the JOSE ones (RFC 7518 §3.1, RFC 8037 §3.1). Private keys leave this module only
as PKCS#8 PEM bytes that callers encrypt at once (``crypto.encryption``); nothing here logs or formats them.
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

RS256 = "RS256"
ES256 = "ES256"
EDDSA = "EdDSA"
HS256 = "HS256"

#: Algorithms whose public key can be published in a JWKS.
ASYMMETRIC_ALGORITHMS = (RS256, ES256, EDDSA)
SUPPORTED_ALGORITHMS = (*ASYMMETRIC_ALGORITHMS, HS256)

#: RSA modulus size: 2048 bits is the NIST floor through 2030 and verifies fastest.
RSA_KEY_SIZE = 2048
RSA_PUBLIC_EXPONENT = 65537
#: HS256 secret length: the full output size of SHA-256 (RFC 7518 §3.2 requires at least this).
HMAC_SECRET_BYTES = 32

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class UnsupportedAlgorithm(ValueError):
    """An algorithm name this package does not sign with."""


def check_algorithm(algorithm: str) -> str:
    """Return ``algorithm`` if supported, else raise ``UnsupportedAlgorithm`` naming the choices."""
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise UnsupportedAlgorithm(f"unsupported algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}")
    return algorithm


def generate_private_key(algorithm: str) -> PrivateKey:
    """A fresh asymmetric private key for ``algorithm`` (``RS256``, ``ES256`` or ``EdDSA``)."""
    if algorithm == RS256:
        return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE)
    if algorithm == ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    raise UnsupportedAlgorithm(f"{algorithm!r} is not an asymmetric algorithm")


def generate_hmac_secret() -> bytes:
    """A fresh HS256 secret from the OS CSPRNG."""
    return secrets.token_bytes(HMAC_SECRET_BYTES)


def private_key_to_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM: the caller must encrypt it before it is stored anywhere."""
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def load_private_key_pem(pem: bytes) -> PrivateKey:
    """Parse PKCS#8 PEM back into a key object; raises ``ValueError`` for anything but our three key types."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError("unsupported private key type")
    return key


def load_signing_secret(algorithm: str, plaintext: bytes) -> PrivateKey | bytes:
    """Decrypted key material as the signer needs it: the raw secret for HS256, a key object otherwise."""
    return plaintext if algorithm == HS256 else load_private_key_pem(plaintext)
