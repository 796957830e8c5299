"""JWT access tokens: per-request cost behind ``JWTAuthentication`` / ``StatelessJWTAuthentication``.

For each algorithm, in the same run: the no-auth baseline, DRF's ``TokenAuthentication`` (a plaintext key
looked up in the database, the simplest peer), our two classes, PyJWT's ``jwt.decode`` and the raw
``cryptography`` signature verify of the same algorithm, both as a bare call and as the overhead it adds
to a request. Targets: stateless overhead <= 2x the raw verify; with-user overhead <= half of
``TokenAuthentication``'s. "reused token" is the common case (a client sends its token until it expires:
the process remembers its verified signature); "new token" turns that memory off, so every request runs
the full verification, as the first request with each token does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.contrib.auth.models import User
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

from bench.harness import Result, baseline, measure, measure_view, print_table, view_with
from django_apiauth.crypto.jwk import b64url_decode, public_key_from_jwk
from django_apiauth.drf.jwt_authentication import JWTAuthentication, StatelessJWTAuthentication
from django_apiauth.jwt.access import issue_access_token, verify_access_token
from django_apiauth.jwt.subjects import TokenUser
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.rotation import ensure_active_key
from django_apiauth.testing import override_apiauth

ALGORITHMS = ("RS256", "ES256", "EdDSA")


def _raw_verifier(algorithm: str, token: str) -> Callable[[], None]:
    """The bare ``cryptography`` verify of the token's signature on a pre-parsed public key."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    message = f"{header_b64}.{payload_b64}".encode()
    signature = b64url_decode(signature_b64)
    public = public_key_from_jwk(SigningKey.objects.get(kid=pyjwt.get_unverified_header(token)["kid"]).public_jwk)
    if algorithm == "RS256":
        assert isinstance(public, rsa.RSAPublicKey)
        return lambda: public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "ES256":
        assert isinstance(public, ec.EllipticCurvePublicKey)
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        return lambda: public.verify(der, message, ec.ECDSA(hashes.SHA256()))
    assert isinstance(public, ed25519.Ed25519PublicKey)
    return lambda: public.verify(signature, message)


def _raw_in_request(verify: Callable[[], None], claims: dict[str, Any]) -> type[BaseAuthentication]:
    """An authenticator doing nothing but the raw verify: what the signature check costs inside a request."""

    class RawVerifyOnly(BaseAuthentication):
        def authenticate(self, request: Request) -> tuple[Any, Any]:
            verify()
            return TokenUser(claims), claims

    return RawVerifyOnly


def _pyjwt_decode(algorithm: str, token: str) -> Callable[[], Any]:
    key = pyjwt.PyJWK(SigningKey.objects.get(kid=pyjwt.get_unverified_header(token)["kid"]).public_jwk).key
    audience = issuer = "django-apiauth"
    return lambda: pyjwt.decode(token, key, algorithms=[algorithm], audience=audience, issuer=issuer)


ROUNDS = 7


def _best_of_rounds(scenarios: dict[str, Callable[[], Result]]) -> dict[str, Result]:
    """Interleave the scenarios over ``ROUNDS`` rounds and keep each one's quietest round.

    On a shared 2-core machine other processes only ever add time, so the minimum of the per-round medians
    is the figure least distorted by them; the spread is half the range of the round medians.
    """
    rounds: dict[str, list[Result]] = {name: [] for name in scenarios}
    for _ in range(ROUNDS):
        for name, run_once in scenarios.items():
            rounds[name].append(run_once())
    best: dict[str, Result] = {}
    for name, results in rounds.items():
        medians = [r.median_us for r in results]
        quietest = min(results, key=lambda r: r.median_us)
        best[name] = Result(quietest.name, quietest.median_us, (max(medians) - min(medians)) / 2, quietest.note)
    return best


def _scenarios(algorithm: str, user: User, drf_token: str) -> dict[str, Callable[[], Result]]:
    ensure_active_key(algorithm)  # the JWT layer reads keys only; creating them is the key lifecycle's job
    token = issue_access_token(user, scopes=["read"]).token
    claims = verify_access_token(token)  # loads the key set once
    bearer = {"Authorization": f"Bearer {token}"}
    raw = _raw_verifier(algorithm, token)

    def view(
        label: str, authentication: type[BaseAuthentication], headers: dict[str, str], **apiauth: Any
    ) -> Callable[[], Result]:
        protected = view_with([authentication], [IsAuthenticated])

        def run_once() -> Result:
            with override_apiauth(**apiauth):
                return measure_view(label, protected, headers, batch=200, batches=3)

        return run_once

    def call(label: str, function: Callable[[], Any]) -> Callable[[], Result]:
        return lambda: measure(label, function, batch=1000, batches=3, note="not a request")

    new = {"JWT_VERIFIED_TOKEN_CACHE_SIZE": 0}
    return {
        "base": baseline,
        "drf": view("DRF TokenAuthentication", TokenAuthentication, {"Authorization": f"Token {drf_token}"}),
        "raw_req": view(f"raw {algorithm} verify inside a request", _raw_in_request(raw, claims), bearer),
        "stateless": view("StatelessJWTAuthentication, reused token", StatelessJWTAuthentication, bearer),
        "stateless_new": view("StatelessJWTAuthentication, new token", StatelessJWTAuthentication, bearer, **new),
        "user": view("JWTAuthentication, reused token", JWTAuthentication, bearer),
        "user_new": view("JWTAuthentication, new token", JWTAuthentication, bearer, **new),
        "user_nocache": view(
            "JWTAuthentication, no caches (1 query/request)", JWTAuthentication, bearer, JWT_USER_CACHE_TTL=0, **new
        ),
        "raw": call(f"raw {algorithm} verify (bare call)", raw),
        "decode": call(f"PyJWT jwt.decode {algorithm}", _pyjwt_decode(algorithm, token)),
    }


def run() -> None:
    user = User.objects.create_user("bench-jwt", password="x")
    drf_token = Token.objects.create(user=user).key
    summary: list[str] = []
    for algorithm in ALGORITHMS:
        with override_apiauth(JWT_ALGORITHM=algorithm):
            r = _best_of_rounds(_scenarios(algorithm, user, drf_token))
        base = r.pop("base")

        def over(name: str, base: Result = base, r: dict[str, Result] = r) -> float:
            return r[name].median_us - base.median_us

        raw, raw_req, drf = r["raw"].median_us, over("raw_req"), over("drf")
        for name in ("stateless", "stateless_new"):
            r[name].note = f"{over(name) / raw:.2f}x bare verify, {over(name) / raw_req:.2f}x in-request verify"
        for name in ("user", "user_new", "user_nocache"):
            r[name].note = f"{over(name) / drf:.2f}x TokenAuthentication's overhead"
        print_table(f"JWT {algorithm}", list(r.values()), base)
        summary.append(
            f"| {algorithm} | {raw:.0f} | {raw_req:.0f} | {over('stateless'):.0f} / {over('stateless_new'):.0f} | "
            f"{over('stateless') / raw:.2f} / {over('stateless_new') / raw:.2f} | "
            f"{over('stateless_new') / raw_req:.2f} | {drf:.0f} | {over('user'):.0f} / {over('user_new'):.0f} | "
            f"{over('user') / drf:.2f} / {over('user_new') / drf:.2f} |"
        )
    print("\n### JWT targets (reused token / new token)\n")
    print(
        "| alg | bare verify µs | verify in a request µs | stateless overhead µs | / bare verify (<= 2) "
        "| new token / in-request verify | TokenAuthentication overhead µs | JWTAuthentication overhead µs "
        "| / TokenAuthentication (<= 0.5) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(summary))
