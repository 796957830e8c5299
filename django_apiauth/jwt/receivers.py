"""The JWT layer follows the signing-key lifecycle through signals; signing keys never import it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from django_apiauth.jwt.keystore import key_store
from django_apiauth.signals import signing_key_retired, signing_key_rotated


def reload_keys(**kwargs: Any) -> None:
    """Our own process must see a rotation or retirement at once (other processes reload on an unknown kid or
    after ``SIGNING_KEY_CACHE_TTL``): invalidate now, for the rest of the transaction, and once committed."""
    key_store.invalidate()
    transaction.on_commit(key_store.invalidate)


def connect() -> None:
    signing_key_rotated.connect(reload_keys, dispatch_uid="django_apiauth.jwt.reload_keys.rotated")
    signing_key_retired.connect(reload_keys, dispatch_uid="django_apiauth.jwt.reload_keys.retired")
