"""The brute-force counters' public API, called by every credential check of the app.

Around a password or MFA-code check (expensive, guessable)::

    attempt = begin("login", request, account=username)   # 429 / 503 before any hashing
    ...verify...
    attempt.succeeded()  or  attempt.failed()

``begin`` *reserves* a failure slot atomically before the secret is verified, so a concurrent burst verifies
at most ``LOCKOUT_FAILURES`` wrong guesses; ``succeeded`` gives the slot back and resets the account's
counters. Around cheap credentials (API keys, refresh tokens: per network only) call ``check_allowed`` before
the database work and ``register_failure`` after a refusal. Kinds and what they count:

* ``login``: network+account (soft lock), network (all credentials), account across networks (hard lock past
  ``LOCKOUT_ACCOUNT_NETWORKS`` distinct networks);
* ``mfa``: the account;
* ``api_key``, ``refresh``, ``oauth_client``: the network.

Accounts are identified by a keyed hash of the case-folded username, the same whether or not the account
exists, so the answers never reveal which accounts exist.
"""

from __future__ import annotations

import atexit
import logging
import math
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from django_apiauth.blocking import blocking_point
from django_apiauth.conf import ApiAuthSettings, apiauth_settings
from django_apiauth.events.aggregation import flood_source_of, window_seconds
from django_apiauth.events.record import count_aggregated, record_event
from django_apiauth.exceptions import RateLimited
from django_apiauth.lockout import batched
from django_apiauth.lockout.cache_store import CacheStore
from django_apiauth.lockout.policy import Counter, Networks, Verdict, current_timing
from django_apiauth.lockout.redis_store import RedisStore
from django_apiauth.models.events import EventType
from django_apiauth.settings_spec import user_settings
from django_apiauth.shared_cache import guarded, push_tails_at_exit, shared_cache
from django_apiauth.throttling.redis_backend import redis_client_of

KINDS = ("login", "mfa", "api_key", "refresh", "oauth_client")
#: Kinds of guessable secrets (passwords, MFA codes): their counters follow ``CACHE_OUTAGE_POLICY["LOCKOUT"]``.
#: The other kinds count refused unguessable credentials and carry on without the cache.
GUESSABLE_KINDS = ("login", "mfa")
#: Kinds whose refusals ``register_refusal`` counts per process and pushes in batches.
BATCHED_KINDS = ("api_key",)
PREFIX = "apiauth:lo"
REFUSED = "Too many failed attempts; retry later."
#: How long a process's exit may spend pushing pending refusal counts.
EXIT_PUSH_SECONDS = 2.0
#: Declarations of the settings ``count_refusal`` reads (their values are read on each call): looking one up on
#: ``ApiAuthSettings`` runs its descriptor, which cost a refusal as much as reading the value.
_TRUSTED_PROXIES, _LOCKOUT_ENABLED = ApiAuthSettings.TRUSTED_PROXIES, ApiAuthSettings.LOCKOUT_ENABLED
logger = logging.getLogger("django_apiauth.lockout")


def store_for(cache: BaseCache) -> RedisStore | CacheStore:
    client = redis_client_of(cache)
    return RedisStore(cache, client) if client is not None else CacheStore(cache)


def outage_consumer(kind: str) -> str:
    """The ``shared_cache`` consumer whose outage policy decides for ``kind``'s counters: a closed ``LOCKOUT``
    stops password and MFA-code checks, never requests that present an API key, refresh token or client secret."""
    return "LOCKOUT" if kind in GUESSABLE_KINDS else "CREDENTIAL_REFUSALS"


def account_id(account: Any) -> str:
    """A keyed hash of the account's case-folded username (a user object or the name as typed)."""
    name = account.get_username() if hasattr(account, "get_username") else str(account)
    folded = unicodedata.normalize("NFKC", name).casefold()
    return salted_hmac("django_apiauth.lockout", folded, algorithm="sha256").hexdigest()[:32]


def entries_for(kind: str, network: str, account: Any) -> list[Counter | Networks]:
    if kind not in KINDS:
        raise ValueError(f"unknown lockout kind {kind!r}; use one of {KINDS}")
    per_network = Counter(f"{PREFIX}:ip:{network}", apiauth_settings.LOCKOUT_IP_FAILURES, reset_on_success=False)
    if kind in ("api_key", "refresh", "oauth_client") or account is None:
        return [per_network]
    acct = account_id(account)
    failures = apiauth_settings.LOCKOUT_FAILURES
    if kind == "mfa":
        return [Counter(f"{PREFIX}:mfa:{acct}", failures)]
    networks = apiauth_settings.LOCKOUT_ACCOUNT_NETWORKS
    return [
        Counter(f"{PREFIX}:pair:{acct}:{network}", failures),
        per_network,
        Networks(f"{PREFIX}:acct:{acct}", networks, network, f"{PREFIX}:net:{network}", acct),
    ]


@dataclass
class Attempt:
    """A reserved failure slot; exactly one of ``succeeded`` / ``failed`` should follow."""

    kind: str
    request: HttpRequest | None
    entries: Sequence[Counter | Networks] = ()
    verdict: Verdict | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def succeeded(self) -> None:
        """Give the slot back and reset the account's counters (the network's keeps its other failures)."""
        if self.entries:
            store = store_for(shared_cache())
            guarded(outage_consumer(self.kind), lambda: store.release(self.entries), fallback=None)

    def failed(self) -> None:
        """The slot stays taken; a counter that reached its threshold records a ``lockout`` event."""
        if self.verdict is not None:
            _record_locks(self.kind, self.request, self.entries, self.verdict)


def _network(request: HttpRequest | None) -> str:
    return flood_source_of(request)


def _run(kind: str, request: HttpRequest | None, account: Any, *, reserve: bool) -> Attempt:
    if not apiauth_settings.LOCKOUT_ENABLED:
        return Attempt(kind, request)
    entries = entries_for(kind, _network(request), account)
    store = store_for(shared_cache())
    timing = current_timing()
    consumer = outage_consumer(kind)
    verdict = guarded(consumer, lambda: store.reserve(entries, timing, reserve=reserve), fallback=None)
    if verdict is None:  # the cache is down and the policy says open: nothing is counted
        return Attempt(kind, request)
    return Attempt(kind, request, entries if reserve and verdict.allowed else (), verdict)


def _refuse(attempt: Attempt) -> RateLimited:
    wait = attempt.verdict.wait_ms if attempt.verdict is not None else 1000
    record_event(EventType.RATE_LIMITED, request=attempt.request, details={"lockout": attempt.kind}, aggregate=True)
    return RateLimited(REFUSED, retry_after=math.ceil(wait / 1000))


def begin(kind: str, request: HttpRequest | None, *, account: Any = None) -> Attempt:
    """Reserve a failure slot before verifying a secret; raises ``RateLimited`` (429) while the client must
    wait and ``TemporarilyUnavailable`` (503) when the cache is down and ``LOCKOUT`` fails closed."""
    attempt = _run(kind, request, account, reserve=True)
    if attempt.verdict is not None and not attempt.verdict.allowed:
        raise _refuse(attempt)
    return attempt


def check_allowed(kind: str, request: HttpRequest | None, *, account: Any = None) -> None:
    """Raise ``RateLimited`` if the client must wait, without counting anything (for a batched kind, the
    network's pending refusals are pushed with the check: the same one call)."""
    if kind in BATCHED_KINDS and account is None:
        _check_batched(kind, request)
        return
    attempt = _run(kind, request, account, reserve=False)
    if attempt.verdict is not None and not attempt.verdict.allowed:
        raise _refuse(attempt)


def register_failure(kind: str, request: HttpRequest | None, *, account: Any = None) -> None:
    """Count a failure that already happened (a refused API key or refresh token). Never raises ``RateLimited``:
    the refusal the caller is about to send is the answer."""
    attempt = _run(kind, request, account, reserve=True)
    if attempt.verdict is not None and attempt.verdict.allowed:
        attempt.failed()


def register_refusal(kind: str, request: HttpRequest | None, *, account: Any = None) -> None:
    """Count a refusal and check the wait: raises ``RateLimited`` when the network must already wait, so a
    refusal answered without the database still turns into a 429 past the threshold. A batched kind costs a
    dictionary update per refusal and one call to the counters per batch; any other kind one call each."""
    if kind in BATCHED_KINDS and account is None:
        _register_batched(kind, request)
        return
    attempt = _run(kind, request, account, reserve=True)
    if attempt.verdict is None:
        return
    if not attempt.verdict.allowed:
        raise _refuse(attempt)
    attempt.failed()


def count_refusal(kind: str, event_type: str, request: HttpRequest | None) -> bool:
    """:func:`register_refusal` for a batched kind and the count of its aggregated ``event_type`` event, in one
    step: the settings are read once and the client's network found once for both counters, so a flood's
    refusal costs two dictionary updates. Raises ``RateLimited`` as ``register_refusal`` does; returns whether
    the event was counted into its window (``False``: record it with ``record_event(..., aggregate=True)``,
    which counts it then).

    Counting the event may block (a window's first record, a power of two), so the async core, which reruns
    a verification off the event loop at its first blocking point, is sent there before anything is counted:
    counted on the loop and again by the rerun, a network would wait after half its allowance."""
    blocking_point()
    values = user_settings()
    network = flood_source_of(request, _TRUSTED_PROXIES.value_in(values))
    if _LOCKOUT_ENABLED.value_in(values):
        _count_batched(kind, request, network, batched.batch_size(values))
    return count_aggregated(event_type, request, source=network, window=window_seconds(values))


def _register_batched(kind: str, request: HttpRequest | None) -> None:
    if not apiauth_settings.LOCKOUT_ENABLED:
        return
    _count_batched(kind, request, _network(request), batched.batch_size())


def _count_batched(kind: str, request: HttpRequest | None, network: str, batch: int) -> None:
    step, evicted = batched.refusals.refused(network, batch)
    for other, amount in evicted:
        _push(kind, other, amount)
    if step.wait_ms:
        raise _refuse(Attempt(kind, request, verdict=Verdict(False, step.wait_ms)))
    if step.push:
        _answer(kind, request, network, _push(kind, network, step.push))


def _check_batched(kind: str, request: HttpRequest | None) -> None:
    if not apiauth_settings.LOCKOUT_ENABLED:
        return
    network = _network(request)
    step = batched.refusals.before_lookup(network)
    if step.wait_ms:
        raise _refuse(Attempt(kind, request, verdict=Verdict(False, step.wait_ms)))
    _answer(kind, request, network, _push(kind, network, step.push), record=step.push > 0)


def _push(kind: str, network: str, amount: int) -> Verdict | None:
    """Add ``amount`` refusals (0: only check) to ``network``'s counter in one call; remember its answer."""
    entries = entries_for(kind, network, None)
    store = store_for(shared_cache())
    timing = current_timing()
    verdict = guarded(
        outage_consumer(kind),
        lambda: store.reserve(entries, timing, reserve=amount > 0, amount=amount),
        fallback=None,
    )
    if verdict is not None:
        count, threshold = (verdict.counts or (0,))[0], entries[0].threshold
        over = count >= threshold
        # A push that reached the threshold starts a wait; a bare check of an expired one does not.
        starts_wait = over and amount > 0
        wait_ms = verdict.wait_ms if not verdict.allowed else timing.wait_ms(count - threshold) if starts_wait else 0
        batched.refusals.learned(network, wait_ms, over)
    return verdict


def _answer(kind: str, request: HttpRequest | None, network: str, verdict: Verdict | None, record: bool = True) -> None:
    if verdict is None:
        return
    if not verdict.allowed:
        raise _refuse(Attempt(kind, request, verdict=verdict))
    if record:
        _record_locks(kind, request, entries_for(kind, network, None), verdict)


def push_pending_refusals(deadline: float = math.inf) -> int:
    """Push every network's pending refusals now, until ``time.monotonic()`` passes ``deadline``; returns how
    many networks' counts were left unpushed (process exit; tests)."""
    pending = batched.refusals.drain()
    if not apiauth_settings.LOCKOUT_ENABLED:
        return 0
    for index, (network, amount) in enumerate(pending):
        if time.monotonic() > deadline:
            return len(pending) - index
        _push(BATCHED_KINDS[0], network, amount)
    return 0


def _push_at_exit() -> None:
    """At interpreter exit (a worker's graceful shutdown), push what this process counted, for at most
    ``EXIT_PUSH_SECONDS``: a lost tail is at most a batch per network (the stated precision)."""
    push_tails_at_exit(push_pending_refusals, EXIT_PUSH_SECONDS, "API-key refusal counts", "networks", logger)


atexit.register(_push_at_exit)


def _record_locks(kind: str, request: HttpRequest | None, entries: Sequence[Any], verdict: Verdict) -> None:
    timing = current_timing()
    for entry, count in zip(entries, verdict.counts, strict=False):
        excess = count - entry.threshold - (1 if isinstance(entry, Networks) else 0)
        if excess < 0:
            continue
        scope = "account" if isinstance(entry, Networks) or kind == "mfa" else entry.key.split(":")[2]
        details = {
            "kind": kind,
            "scope": {"pair": "network_account", "ip": "network"}.get(scope, scope),
            "count": count,
            "wait_seconds": timing.wait_ms(excess) / 1000,
        }
        if isinstance(entry, Networks):
            details["account"] = entry.account
        elif ":pair:" in entry.key or kind == "mfa":
            details["account"] = entry.key.split(":")[3]
        record_event(EventType.LOCKOUT, request=request, details=details, aggregate=True)
