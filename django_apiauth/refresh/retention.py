"""Retention of refresh-token families: every rotation adds a row, so ended families must be deleted.

A family has ended when it was revoked or passed its absolute expiry; none of its tokens can ever be used
again. Until then even consumed tokens are kept, because reuse detection needs them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from django_apiauth.models.refresh import RefreshTokenFamily


def prune_families(cutoff: datetime, *, batch_size: int = 500, dry_run: bool = False) -> int:
    """Delete families (and their tokens) that ended before ``cutoff``; returns how many families.

    Works in primary-key batches so a large backlog never holds one long lock.
    """
    ended = RefreshTokenFamily.objects.filter(Q(revoked_at__lt=cutoff) | Q(absolute_expires_at__lt=cutoff))
    if dry_run:
        return ended.count()
    total = 0
    while ids := list(ended.order_by("pk").values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            RefreshTokenFamily.objects.filter(pk__in=ids).delete()
        total += len(ids)
    return total
