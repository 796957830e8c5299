"""Test helpers for projects using django-apiauth (and for our own suite)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test.utils import override_settings

from django_apiauth import localcache


def clear_caches() -> None:
    """Empty every per-process cache of the app (users, keys, verified tokens, live sessions...).

    Call it between tests whose database is rolled back or flushed: a user, API key or signing key cached
    by one test must not be served to the next after its row is gone. The list of caches and their bounds is
    in ``docs/caches.md``.
    """
    localcache.clear_all()


class override_apiauth(override_settings):
    """Override single ``APIAUTH`` keys, keeping the rest of the project's dict.

    Usable as a context manager or a function decorator: ``with override_apiauth(TRUSTED_PROXIES=[...]):``.
    The merged dict is computed when the override is entered, so it stacks with other overrides.
    """

    def __init__(self, **overrides: Any) -> None:
        self._apiauth_overrides = overrides
        super().__init__()

    def enable(self) -> None:
        current = getattr(settings, "APIAUTH", {})
        base = current if isinstance(current, dict) else {}
        self.options = {"APIAUTH": {**base, **self._apiauth_overrides}}
        super().enable()
