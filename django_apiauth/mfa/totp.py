"""TOTP (RFC 6238) devices: secrets encrypted at rest, codes checked once each, across every process.

The secret is 160 random bits (RFC 4226 §4 recommends that size for HMAC-SHA1), stored as a Fernet token
under ``KEY_ENCRYPTION_KEYS``. A code is accepted for a time step within ``tolerance`` of now and later than
the device's ``last_t``; the step is then claimed with one conditional ``UPDATE ... WHERE last_t < step``,
so of two concurrent verifications of the same code (two processes, no shared memory) exactly one wins.
"""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

from django.utils import timezone
from django.utils.module_loading import import_string
from django_otp.oath import hotp

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import ConfigurationError, TemporarilyUnavailable
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.mfa.codes import is_totp_code
from django_apiauth.mfa.throttling import record_failure, success_fields
from django_apiauth.models.mfa import TOTPDevice
from django_apiauth.signing_keys import encryption as at_rest

SECRET_BYTES = 20
logger = logging.getLogger("django_apiauth.mfa")
#: Problems with the encryption keys this process already logged: one clear line each, not one per request.
_reported: LocalCache[bool] = local_cache(
    "mfa.reported_key_errors",
    maxsize=4,
    size="4 messages",
    staleness="none needed: only decides whether a log line was already written",
)


class TOTPSecretUnavailable(TemporarilyUnavailable):
    """A TOTP secret cannot be encrypted or decrypted with the configured ``KEY_ENCRYPTION_KEYS``.

    The client gets a plain 503 that names no setting; the operator gets one log line per process.
    """


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def encrypt_secret(secret: bytes) -> str:
    """The secret's ciphertext; ``TOTPSecretUnavailable`` when the configured encryption keys are invalid."""
    try:
        return at_rest.encrypt_private(secret)
    except ConfigurationError as exc:
        raise _unavailable(exc) from exc


def decrypt_secret(device: TOTPDevice) -> bytes:
    """The raw secret; ``TOTPSecretUnavailable`` if no configured key opens it (never the ciphertext in messages)."""
    try:
        return at_rest.decrypt_private(device.secret_ciphertext)
    except ConfigurationError as exc:
        raise _unavailable(exc) from exc


def _unavailable(exc: ConfigurationError) -> TOTPSecretUnavailable:
    """Log the cause once per process (it is the operator's to fix), answer the client a plain 503."""
    message = (
        f"TOTP secrets cannot be used with APIAUTH['KEY_ENCRYPTION_KEYS'] ({type(exc).__name__}): second-factor "
        "codes cannot be checked. Restore the encryption key the secrets were stored with (keep it in the list)."
    )
    if not _reported.get(message):
        _reported.set(message, True)
        logger.error(message)
    return TOTPSecretUnavailable()


def base32_secret(secret: bytes) -> str:
    """The form authenticator apps take (RFC 4648 base32, unpadded as the Key URI format shows it)."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def code_at(secret: bytes, step_index: int, digits: int) -> str:
    """The code of one time step, zero-padded: compared as a string, never converted to an int."""
    return str(hotp(secret, step_index, digits)).zfill(digits)


def current_step(device: TOTPDevice) -> int:
    return int(time.time()) // int(device.step)


def verify_totp(device: TOTPDevice, token: Any) -> bool:
    """Whether ``token`` is a fresh code of ``device``; claims its time step when it is.

    Failures (malformed, wrong, replayed, throttled) count towards django-otp's back-off, except that a
    throttled device refuses without counting.
    """
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return False
    step = matching_step(device, token)
    if step is not None and _claim_step(device, step):
        return True
    record_failure(device)
    return False


def matching_step(device: TOTPDevice, token: Any) -> int | None:
    """The first acceptable time step whose code equals ``token`` (constant-time comparisons), else ``None``."""
    if not is_totp_code(token, device.digits):
        return None
    secret = decrypt_secret(device)
    now = current_step(device)
    first = max(now - device.tolerance, device.last_t + 1)
    for step in range(first, now + device.tolerance + 1):
        if hmac.compare_digest(code_at(secret, step, device.digits), token):
            return step
    return None


def _claim_step(device: TOTPDevice, step: int) -> bool:
    now = timezone.now()
    fields = {"last_t": step, **success_fields(now)}
    if not TOTPDevice.objects.filter(pk=device.pk, last_t__lt=step).update(**fields):
        return False  # another process accepted this (or a later) step first: a replay
    for name, value in fields.items():
        setattr(device, name, value)
    return True


def otpauth_uri(user: Any, secret: bytes) -> str:
    """The Key URI authenticator apps scan: issuer both as label prefix and as ``issuer=`` parameter."""
    issuer = apiauth_settings.MFA_TOTP_ISSUER.replace(":", "")
    label = f"{quote(issuer, safe='')}:{quote(account_label(user), safe='@')}"
    params = {"secret": base32_secret(secret), "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": 30}
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


def account_label(user: Any) -> str:
    """``MFA_TOTP_ACCOUNT_LABEL(user)`` when configured, else the username; colons would split the label."""
    path = apiauth_settings.MFA_TOTP_ACCOUNT_LABEL
    label = import_string(path)(user) if path else user.get_username()
    return str(label).replace(":", "")
