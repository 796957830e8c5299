"""Retention of the audit trail."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from django_apiauth.models.events import AuthEvent


def prune_events(cutoff: datetime, *, batch_size: int = 1000, dry_run: bool = False) -> int:
    """Delete events created before ``cutoff``; returns how many were (or, dry, would be) deleted.

    Deletes by primary-key batches so a large backlog never holds one long lock on the table.
    """
    old = AuthEvent.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return old.count()
    total = 0
    while True:
        ids = list(old.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            total += AuthEvent.objects.filter(pk__in=ids).delete()[0]
