"""New ``SigningKey`` rows from freshly generated material, encrypted before it touches the model."""

from __future__ import annotations

import secrets
from datetime import datetime

from django_apiauth.crypto import jwk, keys
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.encryption import decrypt_private, encrypt_private


def new_signing_key(algorithm: str, *, state: SigningKeyState, now: datetime) -> SigningKey:
    """An unsaved key in ``state``. Asymmetric keys get their RFC 7638 thumbprint as ``kid``; HS256 keys a
    random ``kid`` (a thumbprint of a secret would be a hash of the secret) and no public JWK."""
    keys.check_algorithm(algorithm)
    if algorithm == keys.HS256:
        kid, public, plaintext = secrets.token_urlsafe(24), {}, keys.generate_hmac_secret()
    else:
        private_key = keys.generate_private_key(algorithm)
        public = jwk.public_jwk(private_key.public_key(), algorithm=algorithm)
        kid, plaintext = public["kid"], keys.private_key_to_pem(private_key)
    return SigningKey(
        kid=kid,
        algorithm=algorithm,
        state=state,
        public_jwk=public,
        private_key_ciphertext=encrypt_private(plaintext),
        created_at=now,
        activated_at=now if state == SigningKeyState.ACTIVE else None,
    )


def load_private_material(algorithm: str, ciphertext: str) -> keys.PrivateKey | bytes:
    """Decrypt and parse a stored private key of ``algorithm``.

    Raises ``KeyDecryptionError`` when no configured encryption key fits, ``ValueError`` for a retired key.
    """
    if not ciphertext:
        raise ValueError("the signing key has no private material (retired)")
    return keys.load_signing_secret(algorithm, decrypt_private(ciphertext))
