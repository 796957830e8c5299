"""The API-key service: every state change of a key is decided here, in one function each.

Views, the admin and the management command call these functions and never touch ``APIKey`` rows for
writing themselves. Each function owns its transaction and records its event after the change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.api_keys import cache, lookup_ids
from django_apiauth.api_keys.exceptions import APIKeyNotFound, APIKeyNotUsable
from django_apiauth.api_keys.format import generate_key
from django_apiauth.api_keys.hashing import hash_secret
from django_apiauth.api_keys.scopes import normalise_scopes
from django_apiauth.api_keys.validation import Lifetime, check_limit, clean_name, clean_service, expiry_for
from django_apiauth.conf import apiauth_settings
from django_apiauth.db_contention import unavailable_when_busy
from django_apiauth.events.record import record_event
from django_apiauth.models.api_keys import APIKey, APIKeyState
from django_apiauth.models.events import EventType

MAX_DB_ID = 2**63 - 1


@dataclass(frozen=True, repr=False)
class IssuedKey:
    """A key row and its full plaintext, which exists only in this object: show it once, then drop it."""

    key: APIKey
    plaintext: str

    def __repr__(self) -> str:
        return f"IssuedKey(id={self.key.pk}, lookup_id={self.key.lookup_id!r})"


@unavailable_when_busy
def create_api_key(
    *,
    owner: Any,
    name: str,
    scopes: Iterable[str] = (),
    lifetime: Lifetime = "default",
    may_grant: Collection[str] | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    source: str = "api",
) -> IssuedKey:
    """Create a key for ``owner``. ``may_grant`` (if given) bounds the scopes, see ``api_keys.scopes``.

    Raises ``InvalidRequest`` (name), ``ScopeNotGrantable``, ``InvalidLifetime`` or ``APIKeyLimitReached``.
    """
    cleaned_name = clean_name(name)
    granted = normalise_scopes(scopes, may_grant)
    now = timezone.now()
    expires_at = expiry_for(lifetime, now)
    with transaction.atomic():
        _lock_owner(owner)  # serialises one owner's creations so the per-user limit holds under concurrency
        check_limit(owner, now)
        issued = _insert_key(name=cleaned_name, scopes=granted, now=now, expires_at=expires_at, owner=owner)
    details = {**_describe(issued.key, source, actor), "name": issued.key.name, "scopes": granted}
    record_event(EventType.API_KEY_CREATED, request=request, user=owner, details=details)
    return issued


@unavailable_when_busy
def create_service_key(
    *,
    service: str,
    name: str,
    scopes: Iterable[str] = (),
    lifetime: Lifetime = "default",
    request: HttpRequest | None = None,
    actor: Any = None,
    source: str = "code",
) -> IssuedKey:
    """Create a key for the named ``service`` (a cron job, a partner): it belongs to no user.

    Requests with it keep ``request.user`` anonymous and carry the key, its ``service`` and its scopes in
    ``request.auth``. Any registered scope may be put on it (operators create service keys; there is no
    user whose rights would bound them); unknown scopes raise ``ScopeNotGrantable``. Service keys are not
    counted against ``API_KEY_MAX_PER_USER``. Raises ``InvalidRequest`` for a bad name or service name.
    """
    cleaned_service = clean_service(service)
    cleaned_name = clean_name(name)
    granted = normalise_scopes(scopes)
    now = timezone.now()
    expires_at = expiry_for(lifetime, now)
    issued = _insert_key(name=cleaned_name, scopes=granted, now=now, expires_at=expires_at, service=cleaned_service)
    details = {**_describe(issued.key, source, actor), "name": issued.key.name, "scopes": granted}
    record_event(EventType.API_KEY_CREATED, request=request, user=AnonymousUser(), details=details)
    return issued


def _insert_key(
    *, name: str, scopes: list[str], now: datetime, expires_at: datetime | None, owner: Any = None, service: str = ""
) -> IssuedKey:
    """The one place a key row is born: a fresh secret, only its keyed hash stored."""
    parsed = generate_key(apiauth_settings.API_KEY_PREFIX, lookup_ids.new_lookup_id())
    key = APIKey.objects.create(
        name=name,
        owner=owner,
        service=service,
        lookup_id=parsed.lookup_id,
        secret_hash=hash_secret(parsed.lookup_id, parsed.secret),
        scopes=scopes,
        created_at=now,
        expires_at=expires_at,
    )
    return IssuedKey(key, parsed.full)


@unavailable_when_busy
def rotate_api_key(
    key_id: int, *, owner: Any = None, request: HttpRequest | None = None, actor: Any = None, source: str = "api"
) -> IssuedKey:
    """Give key ``key_id`` (of ``owner`` when given) a new secret; the old one works for
    ``API_KEY_ROTATION_OVERLAP`` more. Only one old secret is kept: rotating twice ends the first overlap.

    Raises ``APIKeyNotFound`` or ``APIKeyNotUsable`` (revoked or expired keys cannot be revived).
    """
    with transaction.atomic():
        key = _owned(APIKey.objects.select_for_update(of=("self",)), key_id, owner)
        now = timezone.now()
        if key.state_at(now) is not APIKeyState.ACTIVE:
            raise APIKeyNotUsable("Revoked or expired keys cannot be rotated; create a new one.")
        parsed = generate_key(apiauth_settings.API_KEY_PREFIX, lookup_id=key.lookup_id)
        key.previous_secret_hash = key.secret_hash
        key.previous_secret_expires_at = now + apiauth_settings.API_KEY_ROTATION_OVERLAP
        key.secret_hash = hash_secret(parsed.lookup_id, parsed.secret)
        key.rotated_at = now
        key.save(update_fields=["previous_secret_hash", "previous_secret_expires_at", "secret_hash", "rotated_at"])
    overlap_ends = key.previous_secret_expires_at
    details = {**_describe(key, source, actor), "overlap_ends_at": overlap_ends.isoformat() if overlap_ends else None}
    record_event(EventType.API_KEY_ROTATED, request=request, user=_event_user(key), details=details)
    return IssuedKey(key, parsed.full)


def revoke_api_key(
    key_id: int, *, owner: Any = None, request: HttpRequest | None = None, actor: Any = None, source: str = "api"
) -> APIKey:
    """Revoke key ``key_id`` (of ``owner`` when given); revoking a revoked key changes nothing.

    Raises ``APIKeyNotFound``.
    """
    key = _owned(APIKey.objects.all(), key_id, owner)
    revoke_api_keys(APIKey.objects.filter(pk=key.pk), request=request, actor=actor, source=source)
    key.refresh_from_db(fields=["revoked_at"])
    return key


@unavailable_when_busy
def revoke_api_keys(
    keys: QuerySet[APIKey], *, request: HttpRequest | None = None, actor: Any = None, source: str = "api"
) -> list[APIKey]:
    """Revoke every not yet revoked key in ``keys`` with one UPDATE; one ``api_key_revoked`` event per key."""
    now = timezone.now()
    with transaction.atomic():
        targets = list(keys.filter(revoked_at__isnull=True).select_related("owner").select_for_update(of=("self",)))
        APIKey.objects.filter(pk__in=[k.pk for k in targets]).update(revoked_at=now)
    for key in targets:
        key.revoked_at = now
        cache.forget(key.lookup_id)
        details = _describe(key, source, actor)
        record_event(EventType.API_KEY_REVOKED, request=request, user=_event_user(key), details=details)
    return targets


@unavailable_when_busy
def delete_api_keys(
    keys: QuerySet[APIKey], *, request: HttpRequest | None = None, actor: Any = None, source: str = "admin"
) -> int:
    """Delete ``keys``; live ones are revoked first, so each deletion leaves an ``api_key_revoked`` event.

    Deleting is how a key's row leaves the database; it must not be a way to end a key without trace.
    """
    with transaction.atomic():
        revoke_api_keys(keys, request=request, actor=actor, source=source)
        doomed = list(keys.values_list("pk", "lookup_id"))
        APIKey.objects.filter(pk__in=[pk for pk, _ in doomed]).delete()
    for _, lookup_id in doomed:
        cache.forget(lookup_id)
    return len(doomed)


@dataclass(frozen=True)
class KeyUpdate:
    """The validated new values of an edited key (what ``update_api_key`` would write)."""

    name: str
    scopes: list[str]
    expires_at: Any  # datetime | None

    def changed_fields(self, key: APIKey) -> list[str]:
        return [field for field in ("name", "scopes", "expires_at") if getattr(self, field) != getattr(key, field)]


def plan_key_update(
    key: APIKey, *, name: str, scopes: Iterable[str], expires_at: Any, may_grant: Collection[str] | None = None
) -> KeyUpdate:
    """Validate an edit without writing: the rules of creation apply to the new expiry.

    A revoked or expired key cannot be revived by moving its expiry, and a new expiry must lie within
    ``API_KEY_MAX_LIFETIME`` from now. Added scopes must be grantable (``may_grant``, when given).
    Raises ``InvalidRequest`` (name), ``ScopeNotGrantable``, ``APIKeyNotUsable`` or ``InvalidLifetime``.
    """
    now = timezone.now()
    granted = normalise_scopes(scopes)
    normalise_scopes([scope for scope in granted if scope not in (key.scopes or [])], may_grant)
    if expires_at != key.expires_at:
        if key.state_at(now) is not APIKeyState.ACTIVE:
            raise APIKeyNotUsable("Revoked or expired keys cannot be revived; create a new one.")
        expiry_for(None if expires_at is None else expires_at - now, now)
    return KeyUpdate(name=clean_name(name), scopes=granted, expires_at=expires_at)


@unavailable_when_busy
def update_api_key(
    key_id: int,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: Any,
    may_grant: Collection[str] | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    source: str = "admin",
) -> APIKey:
    """Apply ``plan_key_update`` under a row lock; records ``api_key_updated`` naming the changed fields."""
    with transaction.atomic():
        key = _owned(APIKey.objects.select_for_update(of=("self",)), key_id, None)
        plan = plan_key_update(key, name=name, scopes=scopes, expires_at=expires_at, may_grant=may_grant)
        changed = plan.changed_fields(key)
        for field in changed:
            setattr(key, field, getattr(plan, field))
        if changed:
            key.save(update_fields=changed)
    if changed:
        cache.forget(key.lookup_id)
        details = {**_describe(key, source, actor), "changed": changed}
        record_event(EventType.API_KEY_UPDATED, request=request, user=_event_user(key), details=details)
    return key


def keys_of(owner: Any) -> QuerySet[APIKey]:
    return APIKey.objects.filter(owner=owner).order_by("-created_at", "-pk")


def get_owned_key(owner: Any, key_id: int) -> APIKey:
    """Key ``key_id`` if ``owner`` owns it; raises ``APIKeyNotFound`` otherwise (also for absurd ids)."""
    return _owned(APIKey.objects.all(), key_id, owner)


def _owned(queryset: QuerySet[APIKey], key_id: int, owner: Any) -> APIKey:
    if not 0 < key_id <= MAX_DB_ID:
        raise APIKeyNotFound()
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    key = queryset.select_related("owner").filter(pk=key_id).first()
    if key is None:
        raise APIKeyNotFound()
    return key


def _lock_owner(owner: Any) -> None:
    list(get_user_model()._default_manager.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


def _event_user(key: APIKey) -> Any:
    """The key's owner; for a service key an explicit anonymous user, so the event never names the person
    whose request happened to carry the change (``actor_id`` does that) as the key's user."""
    return key.owner if key.owner is not None else AnonymousUser()


def _describe(key: APIKey, source: str, actor: Any) -> dict[str, Any]:
    """Event details that identify a key without any secret: its id and lookup id, who acted and how."""
    details: dict[str, Any] = {"api_key_id": key.pk, "lookup_id": key.lookup_id, "source": source}
    if key.service:
        details["service"] = key.service
    if actor is not None and getattr(actor, "pk", None) != key.owner_id:
        details["actor_id"] = actor.pk
    return details
