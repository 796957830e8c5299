"""What a second-factor code may look like, decided before any device is touched.

``int()`` and ``str.isdigit()`` accept full-width and other Unicode digits, signs and surrounding spaces,
so a TOTP code is matched against ASCII ``[0-9]`` of the exact length and nothing else.
"""

from __future__ import annotations

import re

_TOTP_PATTERN = re.compile(r"[0-9]+", re.ASCII)
#: Backup codes: ten characters of an alphabet without look-alikes (no 0/o, 1/l/i), shown as ``xxxxx-xxxxx``.
BACKUP_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
BACKUP_LENGTH = 10
_BACKUP_PATTERN = re.compile(r"([2-9a-hjkmnp-z]{5})-?([2-9a-hjkmnp-z]{5})", re.ASCII | re.IGNORECASE)
#: Longer strings are refused before any regular expression runs on them.
MAX_CODE_LENGTH = 32


def is_totp_code(value: object, digits: int) -> bool:
    """Exactly ``digits`` ASCII digits."""
    return isinstance(value, str) and len(value) == digits and _TOTP_PATTERN.fullmatch(value) is not None


def normalised_backup_code(value: object) -> str | None:
    """The canonical form (lower case, no hyphen) of a well-formed backup code, else ``None``."""
    if not isinstance(value, str) or len(value) > BACKUP_LENGTH + 1:
        return None
    match = _BACKUP_PATTERN.fullmatch(value)
    return None if match is None else (match.group(1) + match.group(2)).lower()
