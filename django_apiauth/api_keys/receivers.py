"""Keep this process's key cache honest when a key row changes through the ORM (admin edits, shell)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from django_apiauth.api_keys import cache
from django_apiauth.models.api_keys import APIKey


def forget_cached_key(sender: type[APIKey], instance: APIKey, **kwargs: Any) -> None:
    cache.forget(instance.lookup_id)


def connect() -> None:
    post_save.connect(forget_cached_key, sender=APIKey, dispatch_uid="apiauth.api_keys.forget_on_save")
    post_delete.connect(forget_cached_key, sender=APIKey, dispatch_uid="apiauth.api_keys.forget_on_delete")
