"""The API-key format ``<prefix>_<lookup id>_<secret><checksum>``: pure functions, no settings, no ORM.

* ``prefix`` names the issuer, so secret scanners (and people) recognise a leaked key;
* ``lookup id`` (16 base62 characters) finds the row with one indexed query; it is not secret. Its first 10
  characters are random (~59.5 bits), its last 6 a tag: a keyed hash of those 10 under a key only the server
  holds (:func:`lookup_tag`), so a made-up lookup id is refused without a query and without being remembered.
  Keys issued before tagging have a 12-character random lookup id (``LEGACY_LOOKUP_ID_LENGTH``) and still parse;
* ``secret`` (43 base62 characters, 43 * log2(62) = 256.03 bits) is what the server verifies;
* ``checksum`` (CRC32 of everything before it, 6 base62 characters) lets :func:`try_parse_key` refuse mistyped,
  truncated or made-up keys without touching the database, and lets scanners discard false positives.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from django_apiauth.conf import ApiAuthSettings
from django_apiauth.crypto.base62 import decode_int, encode_int, random_string
from django_apiauth.localcache import register_memo

LOOKUP_ID_LENGTH = 16
LOOKUP_BODY_LENGTH = 10
LOOKUP_TAG_LENGTH = LOOKUP_ID_LENGTH - LOOKUP_BODY_LENGTH
LEGACY_LOOKUP_ID_LENGTH = 12
TAG_VALUES = 62**LOOKUP_TAG_LENGTH
TAG_BYTES = 5  # 62**6 < 2**40
SECRET_LENGTH = 43
CHECKSUM_LENGTH = 6
MAX_PREFIX_LENGTH = 16
#: The prefix rule is declared once, on the setting; its length cap is ``MAX_PREFIX_LENGTH``.
PREFIX_PATTERN = cast("re.Pattern[str]", ApiAuthSettings.API_KEY_PREFIX.pattern)
#: Longest input :func:`try_parse_key` looks at; anything longer is malformed without further work.
MAX_KEY_LENGTH = MAX_PREFIX_LENGTH + 2 + LOOKUP_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH


@dataclass(frozen=True, repr=False)
class ParsedKey:
    """A syntactically valid key; ``secret`` must still be verified against the stored hash."""

    prefix: str
    lookup_id: str
    secret: str

    @property
    def full(self) -> str:
        """The key as the client sends it (this is the secret: show it once, never log it)."""
        body = self.body
        return body + checksum(body)

    @property
    def body(self) -> str:
        return f"{self.prefix}_{self.lookup_id}_{self.secret}"

    @property
    def display(self) -> str:
        """The non-secret start of the key, for lists and logs: ``apiauth_<lookup id>_…``."""
        return display_prefix(self.prefix, self.lookup_id)

    def __repr__(self) -> str:
        return f"ParsedKey({self.display!r})"


def display_prefix(prefix: str, lookup_id: str) -> str:
    return f"{prefix}_{lookup_id}_\N{HORIZONTAL ELLIPSIS}"


def checksum(body: str) -> str:
    """CRC32 of ``body`` in 6 base62 characters (62**6 > 2**32). An integrity check, not a MAC."""
    return encode_int(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def tag_hmac(tag_key: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 keyed with ``tag_key`` and fed nothing: copies of it tag lookup ids (a copy skips the key
    schedule, and a one-shot ``hmac.digest`` costs more than both under OpenSSL 3). Never updated itself."""
    return hmac.new(tag_key, digestmod=hashlib.sha256)


def _tag_value(body: str, tag: hmac.HMAC) -> int:
    mac = tag.copy()
    mac.update(body.encode())
    value: int = int.from_bytes(mac.digest()[:8], "big") % TAG_VALUES
    return value


def lookup_tag(body: str, tag_key: bytes) -> str:
    """The tag that ends a lookup id: HMAC-SHA256 of ``body`` under ``tag_key``, as 6 base62 characters
    (~35.7 bits, so a guessed tag is right once in 5.7e10 tries). It only spares the database a made-up id;
    the secret is what authenticates."""
    return encode_int(_tag_value(body, tag_hmac(tag_key)), LOOKUP_TAG_LENGTH)


def tagged_lookup_id(tag_key: bytes) -> str:
    """A new lookup id: 10 random characters and their tag under ``tag_key``."""
    body = random_string(LOOKUP_BODY_LENGTH)
    return body + lookup_tag(body, tag_key)


def has_valid_tag(lookup_id: str, tag_key: bytes | hmac.HMAC) -> bool:
    """Whether a 16-character base62 ``lookup_id`` ends with its body's tag under ``tag_key`` (or the
    :func:`tag_hmac` made from it); compared as numbers in constant time (decoding the given tag is cheaper than
    encoding the expected one)."""
    tag = tag_hmac(tag_key) if isinstance(tag_key, bytes) else tag_key
    expected = _tag_value(lookup_id[:LOOKUP_BODY_LENGTH], tag)
    given = decode_int(lookup_id[LOOKUP_BODY_LENGTH:])
    return hmac.compare_digest(expected.to_bytes(TAG_BYTES, "big"), given.to_bytes(TAG_BYTES, "big"))


def generate_key(prefix: str, lookup_id: str | None = None) -> ParsedKey:
    """A key with a new random secret; pass ``lookup_id`` to give an existing key a new secret (rotation), or a
    new :func:`tagged_lookup_id` to issue one. Without it the lookup id is 16 random characters whose tag is
    almost surely wrong: a made-up key, as tests and benchmarks need."""
    if PREFIX_PATTERN.fullmatch(prefix) is None:
        raise ValueError("an API-key prefix is 1-16 letters and digits, starting with a letter")
    return ParsedKey(prefix, lookup_id or random_string(LOOKUP_ID_LENGTH), random_string(SECRET_LENGTH))


@lru_cache(maxsize=8)
def _key_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"{re.escape(prefix)}_([0-9A-Za-z]{{{LEGACY_LOOKUP_ID_LENGTH}}}"
        rf"(?:[0-9A-Za-z]{{{LOOKUP_ID_LENGTH - LEGACY_LOOKUP_ID_LENGTH}}})?)_"
        rf"([0-9A-Za-z]{{{SECRET_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})"
    )


register_memo("api_keys.key_pattern", _key_pattern, size="8 prefixes")


def try_parse_key(raw: str, prefix: str) -> ParsedKey | None:
    """Split and validate ``raw`` for ``prefix``; ``None`` on any deviation. The hot path refuses garbage in
    about a microsecond, without I/O and without an exception of its own."""
    if len(raw) > MAX_KEY_LENGTH:
        return None
    match = _key_pattern(prefix).fullmatch(raw)
    if match is None:
        return None
    lookup_id, secret, given_checksum = match.groups()
    if decode_int(given_checksum) != zlib.crc32(raw[:-CHECKSUM_LENGTH].encode()):
        return None
    return ParsedKey(prefix, lookup_id, secret)
