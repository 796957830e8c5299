"""Public signals for integrators (past tense: they report what already happened)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent for every recorded auth event with ``event`` (an ``AuthEventRecord``). Receivers must not raise;
#: errors are logged and swallowed so an integration cannot break authentication.
auth_event_recorded = Signal()

#: Sent after a signing-key rotation (or bootstrap) with ``result`` (a ``RotationResult``). The JWT layer
#: listens to reload its key caches: signing keys never reach into it.
signing_key_rotated = Signal()

#: Sent after signing keys were retired with ``keys`` (a tuple of ``SigningKey``), for the same reason.
signing_key_retired = Signal()

#: Sent when a detector sees a suspicious pattern, with ``kind`` (``credential_stuffing``,
#: ``distributed_guessing``, ``new_device``, ``refresh_token_reuse``, ``api_key_new_network``), ``evidence``
#: (a dict) and ``request`` (or ``None``). Hook mail or a pager here; receivers must not raise.
suspicious_activity = Signal()
