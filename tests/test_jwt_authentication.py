"""``JWTAuthentication`` and ``StatelessJWTAuthentication`` over HTTP: success, every bad token, fuzzing."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.urls import path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from django_apiauth.drf import jwt_authentication
from django_apiauth.drf.jwt_authentication import JWTAuthentication, StatelessJWTAuthentication
from django_apiauth.drf.scopes import HasScope
from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt import subjects
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.signing_keys import SigningKeyState
from django_apiauth.signing_keys.retirement import retire_keys
from django_apiauth.signing_keys.rotation import rotate
from tests.support.jwt_tokens import active_key, b64, b64json, forge, issue_access_token, keys_in, standard_claims
from tests.support.users import login_name
from tests.urls import urlpatterns as suite_urlpatterns

pytestmark = pytest.mark.django_db


class StatelessWhoAmI(APIView):
    authentication_classes = [StatelessJWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"sub": request.user.pk, "scope": request.auth["scope"]})


class ScopedView(APIView):
    permission_classes = [HasScope]
    required_scopes = ["orders:read"]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class RefuseFamily(JWTAuthentication):
    def validate_claims(self, claims: dict[str, Any], request: Request) -> None:
        if claims.get("sid") == "revoked":
            raise InvalidToken("The session was revoked.")


class HookedView(APIView):
    authentication_classes = [RefuseFamily]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    *suite_urlpatterns,
    path("test/stateless/", StatelessWhoAmI.as_view()),
    path("test/scoped/", ScopedView.as_view()),
    path("test/hooked/", HookedView.as_view()),
]


@pytest.fixture(autouse=True)
def _urls(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def bearer(client: APIClient, token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"] == "invalid_token"
    assert isinstance(body["error_description"], str)
    assert body["error_description"]
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_whoami_reports_jwt_and_scopes(api_client: APIClient, user: User) -> None:
    token = issue_access_token(user, scopes=["read", "orders:read"]).token
    response = bearer(api_client, token).get("/api/whoami/")
    assert response.status_code == 200
    assert response.json() == {"user": login_name("alice"), "auth": "jwt", "scopes": ["orders:read", "read"]}


def test_anonymous_gets_401_with_bare_bearer_challenge(api_client: APIClient) -> None:
    response = api_client.get("/api/whoami/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


def test_other_schemes_fall_through_to_session_auth(api_client: APIClient, user: User) -> None:
    api_client.force_login(user)
    api_client.credentials(HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0")
    response = api_client.get("/api/whoami/")
    assert response.json()["auth"] == "session"


def test_user_lookup_is_one_query_then_cached(
    api_client: APIClient, user: User, django_assert_num_queries: Callable[..., Any]
) -> None:
    token = issue_access_token(user).token
    bearer(api_client, token)
    api_client.get("/api/whoami/")  # loads the key set
    subjects.user_cache.clear()
    with django_assert_num_queries(1):
        assert api_client.get("/api/whoami/").status_code == 200
    with django_assert_num_queries(0):
        assert api_client.get("/api/whoami/").status_code == 200


def test_stateless_variant_makes_zero_queries(
    api_client: APIClient, user: User, django_assert_num_queries: Callable[..., Any]
) -> None:
    token = issue_access_token(user, scopes=["read"]).token
    bearer(api_client, token).get("/test/stateless/")
    with django_assert_num_queries(0):
        response = api_client.get("/test/stateless/")
    assert response.json() == {"sub": str(user.pk), "scope": "read"}


def test_inactive_and_deleted_users_are_refused(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(JWT_USER_CACHE_TTL=0)
    token = issue_access_token(user).token
    assert bearer(api_client, token).get("/api/whoami/").status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert_invalid_token(api_client.get("/api/whoami/"))
    get_user_model().objects.filter(pk=user.pk).delete()
    assert_invalid_token(api_client.get("/api/whoami/"))


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_deactivated_user_is_refused_within_the_cache_ttl(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(subjects.user_cache, "clock", clock)
    bearer(api_client, issue_access_token(user).token)
    assert api_client.get("/api/whoami/").status_code == 200
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    clock.now += 0.5
    assert api_client.get("/api/whoami/").status_code == 200  # bounded staleness: still cached
    clock.now += 0.5
    assert_invalid_token(api_client.get("/api/whoami/"))


def test_cached_user_is_a_copy(user: User) -> None:
    first = JWTAuthentication().get_user({"sub": str(user.pk)})
    first.is_staff = True
    second = JWTAuthentication().get_user({"sub": str(user.pk)})
    assert second.is_staff is False
    assert second is not first


def test_has_scope_uses_the_token_scopes(api_client: APIClient, user: User) -> None:
    bearer(api_client, issue_access_token(user, scopes=["orders:read"]).token)
    assert api_client.get("/test/scoped/").status_code == 200
    bearer(api_client, issue_access_token(user, scopes=["orders:write"]).token)
    response = api_client.get("/test/scoped/")
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_validate_claims_hook_can_refuse(api_client: APIClient, user: User) -> None:
    bearer(api_client, issue_access_token(user, sid="alive").token)
    assert api_client.get("/test/hooked/").status_code == 200
    bearer(api_client, issue_access_token(user, sid="revoked").token)
    response = api_client.get("/test/hooked/")
    assert_invalid_token(response)
    assert response.json()["error_description"] == "The session was revoked."


def test_rejections_are_recorded_as_aggregated_events(api_client: APIClient, user: User) -> None:
    token = forge(standard_claims(exp=int(time.time()) - 3600, sub=str(user.pk)))
    for _ in range(3):
        bearer(api_client, token).get("/api/whoami/")
    event = AuthEvent.objects.get(type=EventType.TOKEN_REJECTED)
    assert event.details == {"scheme": "jwt", "reason": "expired"}
    assert token not in str(AuthEvent.objects.values_list("details", "user_agent"))


# --- every bad token of the issue's item 7 -----------------------------------------------------------------


def _hs256_confusion() -> str:
    """An HS256 token 'signed' with the RSA key's public PEM as the HMAC secret, naming the RSA kid."""
    key = active_key()
    public_pem = pyjwt.PyJWK(key.public_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": key.kid, "typ": "at+jwt"}
    return forge(standard_claims(), header=header, sign_as="HS256", secret=public_pem)


def _with_header(**changes: Any) -> str:
    key = active_key()
    header = {"alg": key.algorithm, "kid": key.kid, "typ": "at+jwt", **changes}
    return forge(standard_claims(), header={k: v for k, v in header.items() if v is not None})


def _alg_none() -> str:
    key = active_key()
    return f"{b64json({'alg': 'none', 'kid': key.kid, 'typ': 'at+jwt'})}.{b64json(standard_claims())}."


def _alg_none_with_signature_segment() -> str:
    key = active_key()
    return f"{b64json({'alg': 'none', 'kid': key.kid, 'typ': 'at+jwt'})}.{b64json(standard_claims())}.AAAA"


def _tampered_payload() -> str:
    header, _payload, signature = forge(standard_claims()).split(".")
    return f"{header}.{b64json(standard_claims(sub='2'))}.{signature}"


def _flipped_signature() -> str:
    token = forge(standard_claims())
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


def _other_key_same_alg() -> str:
    """Signed by the ``next`` key but naming the active key's kid."""
    active = active_key()
    upcoming = keys_in(SigningKeyState.NEXT)[0]
    token = forge(standard_claims(), key=upcoming)
    head = b64json({"alg": "RS256", "kid": active.kid, "typ": "at+jwt"})
    return head + token[token.index(".") :]


def _retired_key() -> str:
    old = active_key()
    token = forge(standard_claims(), key=old)
    rotate("RS256")
    retire_keys([old.pk])
    return token


def _deep_json_header() -> str:
    return f"{b64('[' * 3000 + ']' * 3000)}.{b64json(standard_claims())}.AAAA"


def _mismatched_alg() -> str:
    key = active_key()
    return forge(standard_claims(), header={"alg": "ES256", "kid": key.kid, "typ": "at+jwt"})


BAD_TOKENS: dict[str, Callable[[], str]] = {
    "alg none": _alg_none,
    "alg none with signature": _alg_none_with_signature_segment,
    "alg confusion HS256 with public key": _hs256_confusion,
    "alg differs from the key's": _mismatched_alg,
    "unknown kid": lambda: _with_header(kid="no-such-key"),
    "missing kid": lambda: _with_header(kid=None),
    "empty kid": lambda: _with_header(kid=""),
    "kid not a string": lambda: _with_header(kid=123),
    "missing alg": lambda: _with_header(alg=None),
    "missing exp": lambda: forge(standard_claims(exp=None)),
    "string exp": lambda: forge(standard_claims(exp="tomorrow")),
    "boolean exp": lambda: forge(standard_claims(exp=True)),
    "float nan exp": lambda: forge(standard_claims(exp=float("nan"))),
    "infinite exp": lambda: forge(standard_claims(exp=float("inf"))),
    "expired": lambda: forge(standard_claims(exp=int(time.time()) - 3600)),
    "not yet valid nbf": lambda: forge(standard_claims(nbf=int(time.time()) + 3600)),
    "string nbf": lambda: forge(standard_claims(nbf="soon")),
    "iat in the future": lambda: forge(standard_claims(iat=int(time.time()) + 3600)),
    "missing iat": lambda: forge(standard_claims(iat=None)),
    "wrong iss": lambda: forge(standard_claims(iss="https://evil.example")),
    "missing iss": lambda: forge(standard_claims(iss=None)),
    "wrong aud": lambda: forge(standard_claims(aud="someone-else")),
    "aud list without ours": lambda: forge(standard_claims(aud=["a", "b"])),
    "missing sub": lambda: forge(standard_claims(sub=None)),
    "sub not a string": lambda: forge(standard_claims(sub=1)),
    "sub of no user": lambda: forge(standard_claims(sub="999999")),
    "sub not a pk": lambda: forge(standard_claims(sub="not-a-number")),
    "missing jti": lambda: forge(standard_claims(jti=None)),
    "scope not a string": lambda: forge(standard_claims(scope=["read"])),
    "typ JWT": lambda: _with_header(typ="JWT"),
    "missing typ": lambda: _with_header(typ=None),
    "typ not a string": lambda: _with_header(typ=["at+jwt"]),
    "jku header": lambda: _with_header(jku="https://evil.example/jwks.json"),
    "x5u header": lambda: _with_header(x5u="https://evil.example/cert.pem"),
    "jwk header": lambda: _with_header(jwk={"kty": "oct", "k": "AAAA"}),
    "x5c header": lambda: _with_header(x5c=["MIIB"]),
    "crit header": lambda: _with_header(crit=["exp"]),
    "bad base64 in header": lambda: "e!J." + forge(standard_claims()).split(".", 1)[1],
    "impossible base64 length": lambda: "A." + forge(standard_claims()).split(".", 1)[1],
    "header not json": lambda: b64("not json") + "." + forge(standard_claims()).split(".", 1)[1],
    "header json array": lambda: b64json(["alg"]) + "." + forge(standard_claims()).split(".", 1)[1],
    "header not utf-8": lambda: b64(b"\xff\xfe") + "." + forge(standard_claims()).split(".", 1)[1],
    "deeply nested header": _deep_json_header,
    "payload json array": lambda: forge([1, 2]),  # type: ignore[arg-type]
    "tampered payload": _tampered_payload,
    "flipped signature": _flipped_signature,
    "signature of another key": _other_key_same_alg,
    "one segment": lambda: forge(standard_claims()).split(".")[0],
    "two segments": lambda: ".".join(forge(standard_claims()).split(".")[:2]),
    "four segments": lambda: forge(standard_claims()) + ".AAAA",
    "five segments (JWE shape)": lambda: "eyJhbGciOiJSU0EtT0FFUCJ9.AAAA.AAAA.AAAA.AAAA",
    "empty segments": lambda: "..",
    "oversized": lambda: forge(standard_claims(pad="x" * 9000)),
    "oversized garbage": lambda: "A" * 100_000,
    "retired key": _retired_key,
    "non-ascii": lambda: "é" + forge(standard_claims()),
    "whitespace inside": lambda: forge(standard_claims()).replace(".", ". ", 1),
    "just garbage": lambda: "garbage",
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
def test_every_bad_token_gets_401_json(api_client: APIClient, user: User, name: str) -> None:
    token = BAD_TOKENS[name]()
    response = bearer(api_client, token).get("/api/whoami/")
    assert_invalid_token(response)
    assert token not in response.content.decode()


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "bearer   ", "Bearer a b", "BEARER x.y", "Bearer " + "A" * 20000]
)
def test_malformed_authorization_headers_get_401(api_client: APIClient, header: str) -> None:
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert_invalid_token(api_client.get("/api/whoami/"))


def test_scheme_is_case_insensitive(api_client: APIClient, user: User) -> None:
    api_client.credentials(HTTP_AUTHORIZATION=f"bEaReR {issue_access_token(user).token}")
    assert api_client.get("/api/whoami/").json()["auth"] == "jwt"


def test_oversized_tokens_are_refused_before_parsing(api_client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("parsed an oversized token")

    monkeypatch.setattr(base64, "urlsafe_b64decode", must_not_parse)
    response = bearer(api_client, "A" * 9000 + ".B.C").get("/api/whoami/")
    assert_invalid_token(response)


# --- fuzzing -----------------------------------------------------------------------------------------------

_B64URL = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=60)
_HEADER_VALUES = st.one_of(
    st.text(alphabet=st.characters(codec="latin-1"), max_size=200),
    st.builds(lambda t: "Bearer " + t, st.text(alphabet=st.characters(codec="latin-1"), max_size=200)),
    st.builds(lambda a, b, c: f"Bearer {a}.{b}.{c}", _B64URL, _B64URL, _B64URL),
    st.builds(
        lambda header, body: f"Bearer {b64json(header)}.{b64json(body)}.AAAA",
        st.dictionaries(st.sampled_from(["alg", "kid", "typ", "jku", "crit"]), st.text(max_size=10)),
        st.dictionaries(st.sampled_from(["exp", "iss", "aud", "sub"]), st.integers() | st.text(max_size=5)),
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=_HEADER_VALUES)
def test_fuzzed_authorization_header_never_500(api_client: APIClient, header: str) -> None:
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/whoami/")
    assert response.status_code == 401
    assert set(response.json()) == {"error", "error_description"}


def test_module_exports_the_contract() -> None:
    assert JWTAuthentication.scheme_name == StatelessJWTAuthentication.scheme_name == "jwt"
    assert issubclass(jwt_authentication.InvalidTokenFailed, jwt_authentication.AuthenticationFailed)


def test_refusal_exception_is_drf_authentication_failed_with_the_invalid_token_code() -> None:
    """A refused token's text becomes its ``ErrorDetail`` once (a memo); other uses of the class keep DRF's
    constructor, so subclasses and projects raising it themselves see no difference."""
    first, again = (jwt_authentication.InvalidTokenFailed("The access token has expired.") for _ in range(2))
    assert (first.detail, first.get_codes()) == ("The access token has expired.", "invalid_token")
    assert again.detail is first.detail
    default = jwt_authentication.InvalidTokenFailed()
    assert (default.detail, default.get_codes()) == ("The access token is invalid.", "invalid_token")
    coded = jwt_authentication.InvalidTokenFailed("Custom.", code="custom")
    assert (coded.detail, coded.get_codes()) == ("Custom.", "custom")
    listed = jwt_authentication.InvalidTokenFailed(["One.", "Two."])
    assert listed.get_codes() == ["invalid_token", "invalid_token"]


class ExtendedCheck(JWTAuthentication):
    """A project's extension of the claim check that keeps the default one through ``super()``."""

    def validate_claims(self, claims: dict[str, Any], request: Request) -> None:
        super().validate_claims(claims, request)
        if claims.get("scope") == "forbidden":
            raise InvalidToken("The scope is forbidden here.")


def test_an_extended_claim_check_still_refuses_a_revoked_session(user: User) -> None:
    """Overriding ``validate_claims`` takes the class off its fast path; ``super()`` still checks the session."""
    from rest_framework.test import APIRequestFactory

    from django_apiauth.refresh.revocation import revoke_session
    from tests.support.refresh_tokens import login_pair

    class Extended(APIView):
        authentication_classes = [ExtendedCheck]
        permission_classes = [IsAuthenticated]

        def get(self, request: Request) -> Response:
            return Response({"ok": True})

    token = login_pair(APIClient())["access_token"]
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert Extended.as_view()(request).status_code == 200
    sid = pyjwt.decode(token, options={"verify_signature": False})["sid"]
    assert revoke_session(user, sid, request=APIRequestFactory().post("/"))
    response = Extended.as_view()(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert response.status_code == 401


def test_a_claim_check_set_on_one_instance_is_run(user: User) -> None:
    """A hook replaced on the authenticator instance (not on its class) is honoured like a subclass's."""
    from rest_framework.test import APIRequestFactory

    from tests.support.refresh_tokens import login_pair

    def refuse_everything(claims: dict[str, Any], request: Request) -> None:
        raise InvalidToken("Refused by this instance's check.")

    class InstanceHook(APIView):
        permission_classes = [IsAuthenticated]

        def get_authenticators(self) -> list[Any]:
            authenticator = JWTAuthentication()
            authenticator.validate_claims = refuse_everything  # type: ignore[method-assign]
            return [authenticator]

        def get(self, request: Request) -> Response:
            return Response({"ok": True})

    token = login_pair(APIClient())["access_token"]
    response = InstanceHook.as_view()(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert response.status_code == 401
    assert response.data["error_description"] == "Refused by this instance's check."
