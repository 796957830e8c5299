"""Authenticating a presented API key: the hot path.

Cost budget: a malformed key is refused by :func:`try_parse_key` alone (no query, no cache, no event); a valid
key costs one HMAC and a per-process cache hit, or one indexed query with the owner joined when the cache is
cold; ``last_used_at`` is written at most once per ``API_KEY_LAST_USED_INTERVAL`` per key. A refused
well-formed key costs no more: a made-up lookup id is refused by its tag (``lookup_ids.py``: one HMAC), a
repeated wrong secret from the per-process memory (see ``cache.py``), and the refusal is counted in this
process and pushed to the network's failure counter in batches (``lockout.batched``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, NoReturn, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, transaction
from django.db.models import Model, Q
from django.db.models.base import ModelState
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.api_keys import cache, lookup_ids
from django_apiauth.api_keys.cache import AuthenticatedKey, KeyRow
from django_apiauth.api_keys.exceptions import APIKeyRejected
from django_apiauth.api_keys.format import ParsedKey, try_parse_key
from django_apiauth.api_keys.hashing import hash_secret, pepper_index
from django_apiauth.blocking import blocking_point
from django_apiauth.conf import apiauth_settings
from django_apiauth.db_contention import is_contention
from django_apiauth.events.record import count_aggregated, record_event
from django_apiauth.lockout import service as lockout
from django_apiauth.models.api_keys import APIKey, APIKeyState, key_state
from django_apiauth.models.events import EventType
from django_apiauth.monitoring import detectors, usage

logger = logging.getLogger("django_apiauth.api_keys")
#: Rejections that count against the network's brute-force counter: a key that never was valid.
GUESSES = ("unknown_key", "invalid_secret")
REJECTED = str(EventType.API_KEY_REJECTED)
M = TypeVar("M", bound=Model)
#: The names that hold a presented key or its parts, from reading the header (``authn.credentials``) to the
#: HMAC (``hashing``, ``crypto.keyed_hash``). Error reports hide them in the decorated frame and in every frame
#: it calls, which is what keeps a key presented during a database error out of the report.
KEY_VARIABLES = ("credential", "raw", "found", "value", "header", "rest", "parsed", "match", "secret")
#: ...and the pepper, which turns a stored digest into a test for guesses.
HASH_VARIABLES = (*KEY_VARIABLES, "pepper", "key", "message", "new_hash")


@sensitive_variables(*HASH_VARIABLES)
def authenticate_api_key(
    raw: str, *, request: HttpRequest | None = None, via_query_param: bool = False
) -> tuple[Any, AuthenticatedKey]:
    """``(owner, key)`` for a usable key; raises :class:`APIKeyRejected` otherwise.

    A service key has no owner: its user is a fresh ``AnonymousUser`` and the key (``key.service``) is the
    only identity, so nothing that checks ``request.user`` can mistake a machine for a person.
    Every rejection after the format check is recorded as an aggregated ``api_key_rejected`` event.
    """
    parsed = try_parse_key(raw, apiauth_settings.API_KEY_PREFIX)
    if parsed is None:
        raise APIKeyRejected("malformed", "The API key is malformed.")
    now = timezone.now()
    row = cache.get(parsed.lookup_id)
    if row is None or not _verify(row, parsed, now):
        row = _from_database(parsed, row, now, request, via_query_param)
    _check_usable(row, now, request, via_query_param)
    _touch(row, now)
    detectors.api_key_used(request, row.id, row.owner)
    usage.count_use("api_key", row.id)
    if via_query_param:
        logger.warning("API key %s used through the query parameter", row.lookup_id)
    user = AnonymousUser() if row.owner is None else detached_copy(row.owner)
    return user, row.auth


def _from_database(
    parsed: ParsedKey, cached: KeyRow | None, now: datetime, request: HttpRequest | None, via_query_param: bool
) -> KeyRow:
    """The row that verifies ``parsed``, loaded from the database, or a refusal.

    A lookup id no key can have (its tag is wrong) is refused without a query. The per-process memory answers
    next when it already knows the database's answer: a lookup id the database did not know, or a wrong
    secret against a row that was itself loaded to check a wrong secret.
    Otherwise a cached row that refuses is re-checked once (the secret may have been rotated a moment ago
    elsewhere), after the network's brute-force counter allows the query.
    """
    lookup_id = parsed.lookup_id
    if cached is None and (not lookup_ids.may_exist(lookup_id) or cache.is_known_unknown(lookup_id)):
        _reject("unknown_key", request, via_query_param, lookup_id=lookup_id)
    if cached is not None and cached.rechecked:
        _reject("invalid_secret", request, via_query_param, lookup_id=lookup_id, key_id=cached.id)
    lockout.check_allowed("api_key", request)
    row = _load(lookup_id)
    if row is None:
        _reject("unknown_key", request, via_query_param, lookup_id=lookup_id)
    if not _verify(row, parsed, now):
        row.rechecked = True  # this row is the database's current answer: later wrong secrets need no query
        _reject("invalid_secret", request, via_query_param, lookup_id=lookup_id, key_id=row.id)
    return row


def _load(lookup_id: str) -> KeyRow | None:
    """One indexed query with the owner joined; the row, or the id's absence, is remembered for at most
    ``API_KEY_CACHE_TTL``."""
    blocking_point()
    try:
        key = APIKey.objects.select_related("owner").get(lookup_id=lookup_id)
    except APIKey.DoesNotExist:
        cache.store_unknown(lookup_id)
        return None
    row = row_from_model(key)
    cache.store(row)
    return row


def row_from_model(key: APIKey) -> KeyRow:
    scopes = frozenset(str(s) for s in key.scopes) if isinstance(key.scopes, list) else frozenset()
    return KeyRow(
        id=key.pk,
        lookup_id=key.lookup_id,
        secret_hash=key.secret_hash,
        previous_secret_hash=key.previous_secret_hash,
        previous_secret_expires_at=key.previous_secret_expires_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
        owner=key.owner,
        auth=AuthenticatedKey(key.pk, key.name, key.lookup_id, scopes, key.expires_at, key.service),
    )


def _verify(row: KeyRow, parsed: ParsedKey, now: datetime) -> bool:
    """The current secret, or the previous one while its rotation overlap lasts."""
    index = pepper_index(row.secret_hash, parsed.lookup_id, parsed.secret)
    if index is not None:
        if index > 0:
            _rehash(row, parsed)
        return True
    overlap_ends = row.previous_secret_expires_at
    if overlap_ends is None or now >= overlap_ends:
        return False
    return pepper_index(row.previous_secret_hash, parsed.lookup_id, parsed.secret) is not None


def _rehash(row: KeyRow, parsed: ParsedKey) -> None:
    """Move a key verified under a fallback pepper to the current one (once: the update is conditional)."""
    blocking_point()
    new_hash = hash_secret(parsed.lookup_id, parsed.secret)
    APIKey.objects.filter(pk=row.id, secret_hash=row.secret_hash).update(secret_hash=new_hash)
    row.secret_hash = new_hash


def _check_usable(row: KeyRow, now: datetime, request: HttpRequest | None, via_query_param: bool) -> None:
    """Revoked, expired and inactive-owner keys are refused; the secret is verified, so we may say why."""
    reason, description = _unusable_because(row, now)
    if reason:
        _reject(
            reason,
            request,
            via_query_param,
            lookup_id=row.lookup_id,
            key_id=row.id,
            owner=row.owner,
            service=row.auth.service_name,
            description=description,
        )


def _unusable_because(row: KeyRow, now: datetime) -> tuple[str, str]:
    state = key_state(row.revoked_at, row.expires_at, now)
    if state is APIKeyState.REVOKED:
        return "revoked", "The API key has been revoked."
    if state is APIKeyState.EXPIRED:
        return "expired", "The API key has expired."
    if not getattr(row.owner, "is_active", True):
        return "inactive_owner", "The API key's owner is inactive."
    return "", ""


def _reject(
    reason: str,
    request: HttpRequest | None,
    via_query_param: bool,
    *,
    lookup_id: str,
    key_id: int | None = None,
    owner: Any = None,
    service: str = "",
    description: str | None = None,
) -> NoReturn:
    """Record an aggregated ``api_key_rejected`` event and raise. ``owner`` is named only once the secret was
    verified; otherwise an explicit anonymous user keeps the recorder from evaluating the request's lazy session
    user (a query) while authentication is still running.

    A flood's refusals are only counted (a guess, for the network's brute-force counter and the event, in one
    step): the event's details are built only for the first refusal of a window, the one recorded in full.
    """
    counted = (
        lockout.count_refusal("api_key", REJECTED, request)
        if reason in GUESSES
        else count_aggregated(REJECTED, request)
    )
    if not counted:
        details: dict[str, Any] = {"reason": reason, "via_query_param": via_query_param, "lookup_id": lookup_id}
        if key_id is not None:
            details["api_key_id"] = key_id
        if service:
            details["service"] = service
        user = owner if owner is not None else AnonymousUser()
        record_event(REJECTED, request=request, user=user, details=details, aggregate=True)
    raise APIKeyRejected(reason, description)


def _touch(row: KeyRow, now: datetime) -> None:
    """Write ``last_used_at`` at most once per interval: this process skips the write while its copy is fresh,
    and the conditional UPDATE makes concurrent processes change the row at most once per interval.

    The stamp is bookkeeping, not a security decision: a write that waits in vain for another transaction's
    lock is skipped until the next interval rather than refusing a verified key (nothing in the
    authentication path could answer it but a 500 under a project's own exception handler). The savepoint
    keeps a failed write from breaking an ``ATOMIC_REQUESTS`` transaction the view still needs."""
    interval = apiauth_settings.API_KEY_LAST_USED_INTERVAL
    if row.last_used_at is not None and now - row.last_used_at < interval:
        return
    blocking_point()  # before changing the cached row: the rerun off the event loop must write it
    row.last_used_at = now
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - interval)
    try:
        with transaction.atomic():
            APIKey.objects.filter(stale, pk=row.id).update(last_used_at=now)
    except OperationalError as exc:
        if not is_contention(exc):
            raise
        logger.warning("API key %s: last_used_at not written, the database is busy", row.lookup_id)


def detached_copy(instance: M) -> M:
    """A shallow copy of a model instance with its own ``__dict__`` and a fresh ``_state`` (no cached relations),
    so attributes a view sets on ``request.user`` never reach the cached original."""
    state = ModelState()
    state.db = instance._state.db
    state.adding = False
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__.update(instance.__dict__)
    clone._state = state
    return clone
