"""``migrate`` on an empty key table creates the first signing key, so the demo needs no extra command."""

from __future__ import annotations

import sys
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router

from django_apiauth.models.signing_keys import SigningKey


def bootstrap_after_migrate(
    sender: Any, *, using: str = DEFAULT_DB_ALIAS, plan: Any = None, verbosity: int = 1, **kwargs: Any
) -> None:
    """``post_migrate`` receiver: create the ``JWT_ALGORITHM`` keys when no key exists at all.

    Only after a real ``migrate`` (``flush`` sends the signal without a plan) that moved forwards, on the
    database that stores signing keys, and once the table exists. The creation is reported on ``migrate``'s
    output rather than as auth events.
    """
    if plan is None or any(backwards for _migration, backwards in plan):
        return
    if using != router.db_for_write(SigningKey):
        return
    if SigningKey._meta.db_table not in connections[using].introspection.table_names():
        return
    if SigningKey.objects.using(using).exists():
        return
    from django_apiauth.signing_keys.rotation import ensure_active_key

    key = ensure_active_key(record=False)
    if verbosity >= 1:
        stdout = kwargs.get("stdout") or sys.stdout
        stdout.write(f"  Created the first {key.algorithm} signing key {key.kid} (django_apiauth).\n")
