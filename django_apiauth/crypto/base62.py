"""Base62 (``0-9A-Za-z``): URL-safe, no punctuation, so a key survives copy-paste and double-click selection."""

from __future__ import annotations

import secrets
import string

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_BASE = len(ALPHABET)
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


def random_string(length: int) -> str:
    """``length`` characters drawn uniformly with ``secrets``: ``length * log2(62)`` (~5.95) bits of entropy."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def encode_int(value: int, width: int) -> str:
    """``value`` (non-negative, below ``62**width``) as exactly ``width`` base62 digits, most significant first."""
    if value < 0 or value >= _BASE**width:
        raise ValueError(f"{value} does not fit in {width} base62 digits")
    digits = []
    for _ in range(width):
        value, digit = divmod(value, _BASE)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def decode_int(text: str) -> int:
    """The number ``text`` spells in base62; raises ``ValueError`` for a character outside the alphabet."""
    value = 0
    for char in text:
        digit = _VALUE.get(char)
        if digit is None:
            raise ValueError("not a base62 digit")
        value = value * _BASE + digit
    return value
