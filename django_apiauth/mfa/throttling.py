"""django-otp's back-off after wrong codes, applied with conditional updates so concurrent attempts all count.

``ThrottlingMixin.throttle_increment`` saves the whole row from memory: two concurrent failures would both
write ``count + 1``. Here the database does the arithmetic, and success resets the counter in the same
statement that consumes the code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import RateLimited


def throttle_factor() -> int:
    """Seconds of the first wait; read per call so ``override_settings`` applies to live devices."""
    return max(0, apiauth_settings.MFA_THROTTLE_FACTOR)


def record_failure(device: Any) -> None:
    """One more consecutive failure of ``device`` (counted by the database), mirrored on the instance."""
    now = timezone.now()
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=F("throttling_failure_count") + 1, throttling_failure_timestamp=now
    )
    device.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])


def success_fields(now: datetime) -> dict[str, Any]:
    """Columns a successful verification writes: the back-off ends and the device was just used."""
    return {"throttling_failure_count": 0, "throttling_failure_timestamp": None, "last_used_at": now}


def ensure_allowed(device: Any) -> None:
    """Raise ``RateLimited`` (429 with ``Retry-After``) while django-otp's back-off holds the device."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return
    locked_until = (info or {}).get("locked_until")
    wait = (locked_until - timezone.now()).total_seconds() if isinstance(locked_until, datetime) else 1
    raise RateLimited("Too many wrong codes; wait before trying again.", retry_after=int(wait) + 1)
