"""Keep this process's key cache honest when a key row changes through the ORM (admin edits, shell)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from django_apiauth.api_keys import cache, lookup_ids
from django_apiauth.api_keys.format import LEGACY_LOOKUP_ID_LENGTH
from django_apiauth.models.api_keys import APIKey


def forget_cached_key(sender: type[APIKey], instance: APIKey, **kwargs: Any) -> None:
    cache.forget(instance.lookup_id)
    if len(instance.lookup_id) == LEGACY_LOOKUP_ID_LENGTH:
        lookup_ids.legacy_keys_present.discard(True)


def connect() -> None:
    post_save.connect(forget_cached_key, sender=APIKey, dispatch_uid="apiauth.api_keys.forget_on_save")
    post_delete.connect(forget_cached_key, sender=APIKey, dispatch_uid="apiauth.api_keys.forget_on_delete")
