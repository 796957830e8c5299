"""JWT access tokens: per-request cost behind ``JWTAuthentication`` / ``StatelessJWTAuthentication``.

For each algorithm, in the same run: the no-auth baseline, DRF's ``TokenAuthentication`` (a plaintext key
looked up in the database, the simplest peer), our two classes, PyJWT's ``jwt.decode`` and the raw
``cryptography`` signature verify of the same algorithm. Targets (issue 3): stateless overhead <= 2x the raw
verify; with-user overhead <= half of TokenAuthentication's overhead.
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from django.contrib.auth.models import User
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated

from bench.harness import Result, baseline, measure, measure_view, print_table, view_with
from django_apiauth.crypto.jwk import b64url_decode, public_key_from_jwk
from django_apiauth.drf.jwt_authentication import JWTAuthentication, StatelessJWTAuthentication
from django_apiauth.jwt.access import issue_access_token, verify_access_token
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.testing import override_apiauth

ALGORITHMS = ("RS256", "ES256", "EdDSA")


def _raw_verifier(algorithm: str, token: str) -> Any:
    """The bare ``cryptography`` verify of the token's signature, as PyJWT's algorithm would run it."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    message = f"{header_b64}.{payload_b64}".encode()
    signature = b64url_decode(signature_b64)
    kid = pyjwt.get_unverified_header(token)["kid"]
    public = public_key_from_jwk(SigningKey.objects.get(kid=kid).public_jwk)
    if algorithm == "RS256":
        assert isinstance(public, rsa.RSAPublicKey)
        return lambda: public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "ES256":
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        assert isinstance(public, ec.EllipticCurvePublicKey)
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        return lambda: public.verify(der, message, ec.ECDSA(hashes.SHA256()))
    assert isinstance(public, ed25519.Ed25519PublicKey)
    return lambda: public.verify(signature, message)


def _pyjwt_decode(algorithm: str, token: str) -> Any:
    kid = pyjwt.get_unverified_header(token)["kid"]
    key = pyjwt.PyJWK(SigningKey.objects.get(kid=kid).public_jwk).key
    return lambda: pyjwt.decode(token, key, algorithms=[algorithm], audience="django-apiauth", issuer="django-apiauth")


def _run_algorithm(algorithm: str, user: User, drf_token: str) -> tuple[list[Result], dict[str, float]]:
    with override_apiauth(JWT_ALGORITHM=algorithm):
        token = issue_access_token(user, scopes=["read"]).token
        verify_access_token(token)  # loads the key cache once
        headers = {"Authorization": f"Bearer {token}"}
        protected = [IsAuthenticated]
        drf = measure_view(
            "DRF TokenAuthentication", view_with([TokenAuthentication], protected),
            headers={"Authorization": f"Token {drf_token}"},
        )  # fmt: skip
        with_user = measure_view(f"JWTAuthentication {algorithm}", view_with([JWTAuthentication], protected), headers)
        stateless = measure_view(
            f"StatelessJWTAuthentication {algorithm}", view_with([StatelessJWTAuthentication], protected), headers
        )
        with override_apiauth(JWT_USER_CACHE_TTL=0):
            uncached = measure_view(
                f"JWTAuthentication {algorithm}, user cache off",
                view_with([JWTAuthentication], protected),
                headers,
                note="one user query per request",
            )
        raw = measure(f"raw {algorithm} verify (cryptography)", _raw_verifier(algorithm, token), batch=1000)
        decode = measure(f"PyJWT jwt.decode {algorithm}", _pyjwt_decode(algorithm, token), batch=1000)
    figures = {"drf": drf.median_us, "user": with_user.median_us, "stateless": stateless.median_us,
               "raw": raw.median_us, "decode": decode.median_us}  # fmt: skip
    return [drf, with_user, stateless, uncached, raw, decode], figures


def run() -> None:
    user = User.objects.create_user("bench-jwt", password="x")
    drf_token = Token.objects.create(user=user).key
    summary: list[str] = []
    for algorithm in ALGORITHMS:
        base = baseline()
        results, figures = _run_algorithm(algorithm, user, drf_token)
        stateless_over = figures["stateless"] - base.median_us
        user_over = figures["user"] - base.median_us
        drf_over = figures["drf"] - base.median_us
        results[2].note = f"overhead = {stateless_over / figures['raw']:.2f}x raw verify (target <= 2)"
        results[1].note = f"overhead = {user_over / drf_over:.2f}x TokenAuthentication's (target <= 0.5)"
        for r in results[4:]:
            r.note = "a bare call, not a request"
        print_table(f"JWT {algorithm}", results, base)
        summary.append(
            f"| {algorithm} | {figures['raw']:.1f} | {stateless_over:.1f} | {stateless_over / figures['raw']:.2f} | "
            f"{drf_over:.1f} | {user_over:.1f} | {user_over / drf_over:.2f} |"
        )
    print("\n### JWT targets\n")
    print("| algorithm | raw verify (µs) | stateless overhead (µs) | / raw (<= 2) | TokenAuthentication overhead (µs) "
          "| JWTAuthentication overhead (µs) | / TokenAuthentication (<= 0.5) |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(summary))
