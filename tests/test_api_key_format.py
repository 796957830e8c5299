"""The key format: enough entropy, a checksum that catches typos, a parser that refuses everything else."""

from __future__ import annotations

import math
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_apiauth.api_keys.format import (
    CHECKSUM_LENGTH,
    LOOKUP_ID_LENGTH,
    SECRET_LENGTH,
    ParsedKey,
    checksum,
    display_prefix,
    generate_key,
    try_parse_key,
)
from django_apiauth.crypto.base62 import ALPHABET, decode_int, encode_int, random_string

PREFIX = "apiauth"


def test_secret_has_at_least_256_bits() -> None:
    assert SECRET_LENGTH * math.log2(len(ALPHABET)) >= 256
    key = generate_key(PREFIX)
    assert len(key.secret) == SECRET_LENGTH
    assert len(key.lookup_id) == LOOKUP_ID_LENGTH


def test_full_key_layout_and_round_trip() -> None:
    key = generate_key(PREFIX)
    full = key.full
    assert full.startswith(f"{PREFIX}_{key.lookup_id}_{key.secret}")
    assert len(full) == len(PREFIX) + 2 + LOOKUP_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH
    assert full[-CHECKSUM_LENGTH:] == encode_int(zlib.crc32(full[:-CHECKSUM_LENGTH].encode()), CHECKSUM_LENGTH)
    assert try_parse_key(full, PREFIX) == key


def test_keys_are_unique() -> None:
    keys = {generate_key(PREFIX).full for _ in range(200)}
    assert len(keys) == 200


def test_rotation_keeps_the_lookup_id() -> None:
    key = generate_key(PREFIX)
    rotated = generate_key(PREFIX, lookup_id=key.lookup_id)
    assert rotated.lookup_id == key.lookup_id
    assert rotated.secret != key.secret


@pytest.mark.parametrize("prefix", ["", "1abc", "has_underscore", "x" * 17, "sp ace"])
def test_invalid_prefixes_cannot_generate(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        generate_key(prefix)


def test_every_single_character_typo_is_caught() -> None:
    """CRC32 detects every single-character substitution, so no mistyped key reaches the database."""
    full = generate_key(PREFIX).full
    start = len(PREFIX) + 1
    for position in range(start, len(full)):
        if full[position] == "_":
            continue
        for replacement in "0aZ":
            if replacement != full[position]:
                typo = full[:position] + replacement + full[position + 1 :]
                assert try_parse_key(typo, PREFIX) is None, (position, replacement)


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda k: k[:-1], id="truncated"),
        pytest.param(lambda k: k + "0", id="extended"),
        pytest.param(lambda k: k.replace("apiauth_", "other_", 1), id="other-prefix"),
        pytest.param(lambda k: k.replace("apiauth_", "APIAUTH_", 1), id="prefix-case"),
        pytest.param(lambda k: k.replace("_", "-"), id="dashes"),
        pytest.param(lambda k: " " + k, id="leading-space"),
        pytest.param(lambda k: k + "\n", id="trailing-newline"),
        pytest.param(lambda k: k[:20] + "é" + k[21:], id="non-ascii"),
        pytest.param(lambda k: k * 3, id="too-long"),
        pytest.param(lambda k: "", id="empty"),
    ],
)
def test_malformed_keys_are_refused(mangle: object) -> None:
    full = generate_key(PREFIX).full
    bad = mangle(full)  # type: ignore[operator]
    assert try_parse_key(bad, PREFIX) is None


def test_a_different_configured_prefix_refuses_old_keys() -> None:
    full = generate_key(PREFIX).full
    assert try_parse_key(full, "acme") is None
    acme = generate_key("acme")
    assert try_parse_key(acme.full, "acme") == acme


def test_display_and_repr_never_show_the_secret() -> None:
    key = generate_key(PREFIX)
    assert key.secret not in repr(key)
    assert key.secret not in key.display
    assert key.display == display_prefix(PREFIX, key.lookup_id) == f"{PREFIX}_{key.lookup_id}_…"


@given(st.text(max_size=200))
def test_parser_never_raises(text: str) -> None:
    parsed = try_parse_key(text, PREFIX)
    assert parsed is None or parsed.full == text


@given(st.text(alphabet=ALPHABET, min_size=SECRET_LENGTH, max_size=SECRET_LENGTH))
def test_any_secret_round_trips(secret: str) -> None:
    key = ParsedKey(PREFIX, "a" * LOOKUP_ID_LENGTH, secret)
    assert try_parse_key(key.full, PREFIX) == key


@given(st.integers(min_value=0, max_value=62**6 - 1))
def test_base62_round_trip(value: int) -> None:
    assert decode_int(encode_int(value, 6)) == value


def test_base62_rejects_out_of_range_and_foreign_digits() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        encode_int(62**6, 6)
    with pytest.raises(ValueError, match="does not fit"):
        encode_int(-1, 6)
    with pytest.raises(ValueError, match="base62"):
        decode_int("ab-c")
    assert set(random_string(500)) <= set(ALPHABET)


def test_checksum_is_six_base62_characters() -> None:
    assert len(checksum("anything")) == CHECKSUM_LENGTH
    assert set(checksum("anything")) <= set(ALPHABET)
