"""The ``APIAUTH`` settings namespace.

Every key, its default and its documentation live in ``SPECS`` below and nowhere else. Values are read from
``django.conf.settings`` on every access (no module-level capture), so ``override_settings`` and
``django_apiauth.testing.override_apiauth`` always take effect. Validation is done by system checks
(``checks.py``), never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar, cast, overload

from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from django_apiauth.durations import as_timedelta

T = TypeVar("T")

DURATION = (timedelta, int, float)
#: Like ``DURATION`` but zero is allowed (the positive-duration check E007 matches ``DURATION`` exactly).
DURATION_OR_ZERO = (timedelta, float, int)


@dataclass(frozen=True)
class Spec:
    """One documented key: its default, the types it accepts and what it is for."""

    default: Any
    types: tuple[type, ...]
    doc: str
    item_types: tuple[type, ...] = ()


# fmt: off
SPECS: dict[str, Spec] = {
    # --- audit trail -------------------------------------------------------------------------------------
    "EVENT_SINKS": Spec(
        ["django_apiauth.events.sinks.DatabaseSink"], (list, tuple),
        "Import strings of callables (or classes, instantiated once per call) that receive every recorded "
        "auth event. A failing sink is logged and skipped.", (str,)),
    "EVENT_AGGREGATION_WINDOW": Spec(
        timedelta(seconds=60), DURATION,
        "Identical aggregated events (same type and client IP) inside this window share one database row "
        "whose `count` grows, so a flood of failures cannot flood the table."),
    "EVENT_RETENTION": Spec(
        timedelta(days=90), DURATION,
        "How long `manage.py prune_auth_events` keeps events when `--older-than` is not given."),
    # --- network --------------------------------------------------------------------------------------------
    "TRUSTED_PROXIES": Spec(
        [], (list, tuple),
        "CIDRs of reverse proxies whose `X-Forwarded-For` is believed. From any other peer the header is "
        "ignored and `REMOTE_ADDR` is the client IP.", (str,)),
    "CACHE_ALIAS": Spec(
        "default", (str,),
        "Django cache alias for shared counters (event aggregation, throttles, revocation lists). Use a "
        "shared cache (Redis) when several processes serve the API."),
    # --- JWT access tokens and signing keys (docs/jwt.md) ------------------------------------------------
    "JWT_ALGORITHM": Spec(
        "RS256", (str,),
        "Algorithm of new signing keys and access tokens: `RS256` (default, fastest verify, universally "
        "interoperable), `ES256` or `EdDSA` (Ed25519). `HS256` needs `JWT_ALLOW_HS256` and is never published."),
    "JWT_ALLOW_HS256": Spec(
        False, (bool,),
        "Opt in to symmetric `HS256` signing keys. Their secret verifies tokens, so only this service can "
        "verify them and they never appear in the JWKS."),
    "JWT_ISSUER": Spec(
        "django-apiauth", (str,),
        "The `iss` claim of issued access tokens, required on verification. Set it to your service's URL."),
    "JWT_AUDIENCE": Spec(
        "django-apiauth", (str,),
        "The `aud` claim of issued access tokens; verification requires it (a string or a list holding it)."),
    "ACCESS_TOKEN_LIFETIME": Spec(
        timedelta(minutes=15), DURATION,
        "Lifetime of an access token (`exp - iat`). A retiring signing key is retired only after this plus "
        "`JWT_LEEWAY` has passed, so rotation never breaks a token that is still valid."),
    "JWT_LEEWAY": Spec(
        timedelta(seconds=30), DURATION_OR_ZERO,
        "Clock skew tolerated when checking `exp`, `nbf` and `iat` (zero allowed)."),
    "JWT_MAX_TOKEN_BYTES": Spec(
        8192, (int,),
        "Tokens longer than this are refused before any parsing, so an oversized header costs nothing."),
    "JWT_VERIFIED_TOKEN_CACHE_SIZE": Spec(
        10_000, (int,),
        "A process remembers this many tokens whose signature it verified, so a client reusing its token "
        "skips the signature check; the key must still be known and expiry, issuer, audience and "
        "`validate_claims` are checked on every request. 0 disables it."),
    "KEY_ENCRYPTION_KEYS": Spec(
        [], (list, tuple),
        "Fernet keys encrypting private signing keys at rest: the first encrypts, all decrypt, so add a new "
        "key first, keep the old ones, then run `manage.py rotate_keys --reencrypt`. Empty: a key derived "
        "from `SECRET_KEY` (and `SECRET_KEY_FALLBACKS`) is used, with warning W010.", (str,)),
    "JWKS_MAX_AGE": Spec(
        timedelta(minutes=5), DURATION,
        "`Cache-Control: max-age` of the JWKS document."),
    "SIGNING_KEY_RELOAD_INTERVAL": Spec(
        timedelta(seconds=5), DURATION,
        "A token with an unknown `kid` makes a process reload its signing keys from the database at most "
        "once per this interval, so a flood of random `kid`s cannot hammer the database."),
    "SIGNING_KEY_CACHE_TTL": Spec(
        timedelta(seconds=60), DURATION,
        "Longest time a process keeps its parsed signing keys before reloading them: bounds how late an "
        "emergency retirement (admin action) reaches the other processes."),
    "SIGNING_KEY_ROTATION_PERIOD": Spec(
        timedelta(days=30), DURATION,
        "Age of the active key after which `rotate_keys --if-due` rotates it (and the admin shows it as due)."),
    "JWT_USER_CACHE_TTL": Spec(
        timedelta(seconds=1), DURATION_OR_ZERO,
        "`JWTAuthentication` keeps the user of a token in a per-process cache this long (zero disables it), "
        "so a deactivated or deleted user is refused by every process within this bound (W011 above 1 s)."),
    # --- login and refresh-token families (issue 4) ---------------------------------------------------------
    "REFRESH_TOKEN_IDLE_LIFETIME": Spec(
        timedelta(days=7), DURATION,
        "A refresh token unused for this long expires; every rotation starts a new idle period."),
    "REFRESH_TOKEN_ABSOLUTE_LIFETIME": Spec(
        timedelta(days=30), DURATION,
        "A login (a refresh-token family) ends this long after it began, however often it is refreshed."),
    "REFRESH_REUSE_GRACE": Spec(
        0, (timedelta, int),
        "Seconds (or a timedelta) after a rotation during which the immediate predecessor may be presented "
        "again without revoking the family, for clients that lost the response. 0 (the default) means any "
        "replay of a consumed token revokes the family."),
    "REFRESH_TOKEN_TRANSPORT": Spec(
        "body", (str,),
        "How refresh tokens travel: `body` (a JSON field), `cookie` (an HttpOnly cookie, never in the JSON "
        "body) or `both`."),
    "REFRESH_COOKIE_NAME": Spec(
        "apiauth_refresh", (str,), "Name of the refresh-token cookie."),
    "REFRESH_COOKIE_PATHS": Spec(
        [], (list, tuple),
        "Paths the refresh-token cookie is set for (one cookie per path). Empty (the default) means the "
        "refresh and logout endpoints, so the browser sends the token nowhere else.", (str,)),
    "REFRESH_COOKIE_SAMESITE": Spec(
        "Strict", (str,), "`SameSite` attribute of the refresh-token cookie: `Strict`, `Lax` or `None`."),
    "REFRESH_COOKIE_ALLOWED_ORIGINS": Spec(
        [], (list, tuple),
        "Origins (`https://app.example.com`) besides the API's own that may send cookie-carried refresh "
        "tokens. A request with any other `Origin` header is refused (CSRF defence).", (str,)),
    "REFRESH_COOKIE_CSRF_HEADER": Spec(
        "X-Requested-With", (str,),
        "A header that cookie-carried refresh and logout requests must send (any value). Cross-site forms "
        "cannot set headers, and cross-origin scripts need a CORS preflight to. Empty: an allowed `Origin` "
        "header is required instead."),
    "CHECK_REVOKED_SESSIONS": Spec(
        True, (bool,),
        "Reject access tokens whose `sid` refresh-token family was revoked (logout, reuse, deactivation), "
        "using a revocation list in the `CACHE_ALIAS` cache: no database query per request."),
    "REVOKED_SESSIONS_LOCAL_TTL": Spec(
        timedelta(milliseconds=500), DURATION_OR_ZERO,
        "A process that found a session live trusts that answer this long before asking the shared cache "
        "again, so a busy API does one cache read per session and interval instead of one per request. "
        "Bounds how late a revocation made by another process is seen (plus the cache write); 0 disables."),
    "LOGIN_SCOPES": Spec(
        [], (list, tuple), "Scopes put into access tokens issued by the login endpoint.", (str,)),
    # --- API keys (issue 5) ----------------------------------------------------------------------------
    "API_KEY_PREFIX": Spec(
        "apiauth", (str,),
        "First part of every API key (`<prefix>_<lookup id>_<secret><checksum>`), so leaked keys are "
        "recognisable by secret scanners. Letters and digits only; changing it invalidates existing keys."),
    "API_KEY_HEADER": Spec(
        "X-API-Key", (str,),
        "Request header carrying a key. `Authorization: Api-Key <key>` is always accepted as well."),
    "API_KEY_QUERY_PARAM": Spec(
        None, (str, type(None)),
        "Name of a query parameter that may carry a key (e.g. `api_key`). Off by default because URLs end up "
        "in logs and browser history; enabling it raises warning `apiauth.W021` and every rejection through it "
        "is flagged in its event."),
    "API_KEY_PEPPER": Spec(
        None, (str, type(None)),
        "Server-side secret (at least 32 characters) keying the HMAC-SHA256 of every API-key secret, so a "
        "database dump alone cannot verify guesses. Unset: derived from `SECRET_KEY` with warning "
        "`apiauth.W020`. Changing it invalidates existing keys unless the old value is listed in "
        "`API_KEY_PEPPER_FALLBACKS`."),
    "API_KEY_PEPPER_FALLBACKS": Spec(
        [], (list, tuple),
        "Previous peppers still accepted while keys are verified (like `SECRET_KEY_FALLBACKS`); a key verified "
        "with one is re-hashed with the current pepper once.", (str,)),
    "API_KEY_DEFAULT_LIFETIME": Spec(
        timedelta(days=90), (timedelta, int, float, type(None)),
        "Lifetime of a new key when its creator does not choose one; `None` means keys never expire."),
    "API_KEY_MAX_LIFETIME": Spec(
        None, (timedelta, int, float, type(None)),
        "Longest lifetime a creator may choose; `None` means no limit (and keys that never expire are allowed)."),
    "API_KEY_ROTATION_OVERLAP": Spec(
        timedelta(hours=24), DURATION,
        "After a rotation the old secret keeps working this long, so clients can roll without downtime."),
    "API_KEY_LAST_USED_INTERVAL": Spec(
        timedelta(seconds=60), DURATION,
        "`last_used_at` of a key is written at most once per this interval, never once per request."),
    "API_KEY_CACHE_TTL": Spec(
        1.0, (int, float),
        "Seconds (0 to 1) a process may reuse a key row it verified instead of querying the database. A revoked "
        "key is refused by every process within this bound; 0 disables the cache."),
    "API_KEY_SCOPES": Spec(
        {}, (dict,),
        "The scopes keys may carry, mapped to who may grant them: `None` (any active user), `\"is_staff\"`, "
        "`\"is_superuser\"` or a permission `\"app_label.codename\"` (superusers hold every scope)."),
    "API_KEY_SCOPE_POLICY": Spec(
        "django_apiauth.api_keys.scopes.scopes_user_may_grant", (str,),
        "Import string of a callable `(user) -> iterable of scopes` deciding which scopes a user may put on a "
        "key through the self-service endpoints. The default reads `API_KEY_SCOPES`."),
    "API_KEY_MAX_PER_USER": Spec(
        100, (int,),
        "Most usable (not revoked, not expired) keys one user may hold; creating one more answers 400."),
    # --- shared-cache outages ----------------------------------------------------------------------------
    "CACHE_OUTAGE_POLICY": Spec(
        {"REVOKED_SESSIONS": "open", "THROTTLES": "open", "LOCKOUT": "closed"}, (dict,),
        "What each consumer of the `CACHE_ALIAS` cache does when it is unreachable: `open` (carry on without "
        "it: throttles admit) or `closed` (answer 503 JSON with `Retry-After`: brute-force counters refuse "
        "password checks). Keys you leave out keep their default. Event aggregation always falls back to "
        "per-process counting."),
    "CACHE_OUTAGE_LOG_INTERVAL": Spec(
        timedelta(seconds=60), DURATION,
        "A cache outage is logged once per this interval per consumer and process, not once per request."),
    # --- rate limits -----------------------------------------------------------------------------------------
    "THROTTLE_RATES": Spec(
        {}, (dict,),
        "Rates by throttle scope (`100/min`, `5/10m`, `1000/day`, `10/s`), laid over the built-in scopes of "
        "the app's endpoints: `login` 30/min and `refresh` 60/min per client IP, `api_keys` 60/min and "
        "`sessions` 120/min per user, `mfa` 30/min and `oauth` 60/min per IP. `None` turns a scope off. "
        "Read on every request."),
    # --- brute-force lockout ----------------------------------------------------------------------------
    "LOCKOUT_ENABLED": Spec(
        True, (bool,),
        "Count failed password, MFA-code, API-key and refresh-token attempts and make clients wait after too "
        "many (429 with `Retry-After`, answered before any password is hashed)."),
    "LOCKOUT_FAILURES": Spec(
        5, (int,),
        "Failures of one account from one network (an IPv4 address or an IPv6 /64), with less than "
        "`LOCKOUT_WINDOW` between them, before the first wait. Also the MFA-code failures per account."),
    "LOCKOUT_WINDOW": Spec(
        timedelta(minutes=15), DURATION,
        "A failure counter is forgotten this long after its last wait ended without a new failure."),
    "LOCKOUT_BASE_WAIT": Spec(
        timedelta(seconds=1), DURATION,
        "The first wait after `LOCKOUT_FAILURES` failures; each further failure doubles it."),
    "LOCKOUT_MAX_WAIT": Spec(
        timedelta(minutes=15), DURATION, "The longest wait, however many failures follow."),
    "LOCKOUT_ACCOUNT_NETWORKS": Spec(
        50, (int,),
        "The account-wide lock (for every network) starts only once failures for the account came from more "
        "than this many distinct networks within `LOCKOUT_ACCOUNT_WINDOW`: one attacker cannot lock a victim "
        "out, only their own network."),
    "LOCKOUT_ACCOUNT_WINDOW": Spec(
        timedelta(hours=1), DURATION, "How long distinct failing networks are remembered per account."),
    "LOCKOUT_IP_FAILURES": Spec(
        100, (int,),
        "Failures from one network across all accounts and credentials (passwords, API keys, refresh tokens) "
        "before that network waits, so spraying many accounts a few times each is slowed down too."),
}
# fmt: on

REMOVED_KEYS: dict[str, str] = {
    # "OLD_KEY": "what replaces it",
}


def user_settings() -> dict[str, Any]:
    """The project's raw ``APIAUTH`` dict (empty when unset or not a dict; checks report the latter)."""
    value = getattr(django_settings, "APIAUTH", None)
    return value if isinstance(value, dict) else {}


def get(name: str) -> Any:
    """Current value of ``name``: the project's value if given, else the documented default."""
    spec = SPECS[name]
    return user_settings().get(name, spec.default)


class _Key(Generic[T]):
    """Descriptor reading one key at access time; ``convert`` normalises accepted shapes."""

    def __init__(self, convert: Callable[[Any], T] | None = None) -> None:
        self._convert = convert
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Key[T]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...
    def __get__(self, obj: object | None, objtype: type | None = None) -> T | _Key[T]:
        if obj is None:
            return self
        value = get(self.name)
        return self._convert(value) if self._convert else cast(T, value)


def _import_all(value: Any) -> list[Any]:
    return [import_string(path) for path in value]


def _optional_timedelta(value: Any) -> timedelta | None:
    return None if value is None else as_timedelta(value)


class ApiAuthSettings:
    """Typed view over ``APIAUTH``; holds no state, so it can never go stale."""

    EVENT_SINKS = _Key[list[Any]](_import_all)
    EVENT_AGGREGATION_WINDOW = _Key[timedelta](as_timedelta)
    EVENT_RETENTION = _Key[timedelta](as_timedelta)
    TRUSTED_PROXIES = _Key[tuple[str, ...]](tuple)
    CACHE_ALIAS = _Key[str]()
    # JWT access tokens and signing keys
    JWT_ALGORITHM = _Key[str]()
    JWT_ALLOW_HS256 = _Key[bool]()
    JWT_ISSUER = _Key[str]()
    JWT_AUDIENCE = _Key[str]()
    ACCESS_TOKEN_LIFETIME = _Key[timedelta](as_timedelta)
    JWT_LEEWAY = _Key[timedelta](as_timedelta)
    JWT_MAX_TOKEN_BYTES = _Key[int]()
    JWT_VERIFIED_TOKEN_CACHE_SIZE = _Key[int]()
    KEY_ENCRYPTION_KEYS = _Key[tuple[str, ...]](tuple)
    JWKS_MAX_AGE = _Key[timedelta](as_timedelta)
    SIGNING_KEY_RELOAD_INTERVAL = _Key[timedelta](as_timedelta)
    SIGNING_KEY_CACHE_TTL = _Key[timedelta](as_timedelta)
    SIGNING_KEY_ROTATION_PERIOD = _Key[timedelta](as_timedelta)
    JWT_USER_CACHE_TTL = _Key[timedelta](as_timedelta)
    # login and refresh-token families
    REFRESH_TOKEN_IDLE_LIFETIME = _Key[timedelta](as_timedelta)
    REFRESH_TOKEN_ABSOLUTE_LIFETIME = _Key[timedelta](as_timedelta)
    REFRESH_REUSE_GRACE = _Key[timedelta](as_timedelta)
    REFRESH_TOKEN_TRANSPORT = _Key[str]()
    REFRESH_COOKIE_NAME = _Key[str]()
    REFRESH_COOKIE_PATHS = _Key[tuple[str, ...]](tuple)
    REFRESH_COOKIE_SAMESITE = _Key[str]()
    REFRESH_COOKIE_ALLOWED_ORIGINS = _Key[tuple[str, ...]](tuple)
    REFRESH_COOKIE_CSRF_HEADER = _Key[str]()
    CHECK_REVOKED_SESSIONS = _Key[bool]()
    REVOKED_SESSIONS_LOCAL_TTL = _Key[timedelta](as_timedelta)
    LOGIN_SCOPES = _Key[tuple[str, ...]](tuple)
    # API keys (issue 5)
    API_KEY_PREFIX = _Key[str]()
    API_KEY_HEADER = _Key[str]()
    API_KEY_QUERY_PARAM = _Key[str | None]()
    API_KEY_PEPPER = _Key[str | None]()
    API_KEY_PEPPER_FALLBACKS = _Key[tuple[str, ...]](tuple)
    API_KEY_DEFAULT_LIFETIME = _Key[timedelta | None](_optional_timedelta)
    API_KEY_MAX_LIFETIME = _Key[timedelta | None](_optional_timedelta)
    API_KEY_ROTATION_OVERLAP = _Key[timedelta](as_timedelta)
    API_KEY_LAST_USED_INTERVAL = _Key[timedelta](as_timedelta)
    API_KEY_CACHE_TTL = _Key[float](float)
    API_KEY_SCOPES = _Key[dict[str, str | None]]()
    API_KEY_SCOPE_POLICY = _Key[Callable[..., Any]](import_string)
    API_KEY_MAX_PER_USER = _Key[int]()
    # shared-cache outages, rate limits and brute-force lockout
    CACHE_OUTAGE_POLICY = _Key[dict[str, str]]()
    CACHE_OUTAGE_LOG_INTERVAL = _Key[timedelta](as_timedelta)
    THROTTLE_RATES = _Key[dict[str, str | None]]()
    LOCKOUT_ENABLED = _Key[bool]()
    LOCKOUT_FAILURES = _Key[int]()
    LOCKOUT_WINDOW = _Key[timedelta](as_timedelta)
    LOCKOUT_BASE_WAIT = _Key[timedelta](as_timedelta)
    LOCKOUT_MAX_WAIT = _Key[timedelta](as_timedelta)
    LOCKOUT_ACCOUNT_NETWORKS = _Key[int]()
    LOCKOUT_ACCOUNT_WINDOW = _Key[timedelta](as_timedelta)
    LOCKOUT_IP_FAILURES = _Key[int]()


apiauth_settings = ApiAuthSettings()


def _format_default(value: Any) -> str:
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds and seconds % size == 0:
                return f"timedelta({unit}={seconds // size})"
        return f"timedelta(seconds={seconds})"
    return repr(value)


def settings_reference_markdown() -> str:
    """The settings table for the README, generated from ``SPECS`` (``python -m django_apiauth.conf``)."""
    lines = ["| Key | Default | What it does |", "| --- | --- | --- |"]
    for name, spec in SPECS.items():
        lines.append(f"| `{name}` | `{_format_default(spec.default)}` | {spec.doc} |")
    return "\n".join(lines)


README_START = "<!-- settings-reference:start -->"
README_END = "<!-- settings-reference:end -->"


def rewrite_readme(text: str) -> str:
    """``text`` with the block between the README markers replaced by the current reference."""
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_START}\n{settings_reference_markdown()}\n{README_END}{tail}"


if __name__ == "__main__":  # pragma: no cover - documentation generator: python -m django_apiauth.conf README.md
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
        path.write_text(rewrite_readme(path.read_text()))
    else:
        print(settings_reference_markdown())
