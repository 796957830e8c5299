"""A JSON parser for hostile input: every malformed body is a 400 ``ParseError``, never a 500.

DRF's ``JSONParser`` turns ``ValueError`` into a ``ParseError`` but not ``RecursionError``, which Python's
decoder raises for bodies nested about a thousand levels deep (2 KB of ``[``, far below any size limit).
It also keeps the last of duplicate keys, so a proxy or WAF reading the first ``username`` would vet
another value than the one we use: duplicates are refused instead.

Set ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` to it to protect your own views as well.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise ValueError("duplicate keys in a JSON object")
    return data


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def _text_encoding(parser_context: Mapping[str, Any]) -> str:
    """The request's charset, if it is a text encoding: ``bz2_codec`` & co. would decompress a bomb."""
    encoding = str(parser_context.get("encoding") or settings.DEFAULT_CHARSET)
    try:
        "".encode(encoding)  # unlike codecs.getreader(), str.encode() refuses bytes-to-bytes codecs
    except (LookupError, UnicodeError):
        raise ParseError(f"Unsupported charset {encoding!r} in the Content-Type header.") from None
    return encoding


class StrictJSONParser(JSONParser):
    """``JSONParser`` that also refuses deep nesting, duplicate keys and ``NaN``/``Infinity``."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        encoding = _text_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        except ValueError as exc:  # includes UnicodeDecodeError
            raise ParseError(f"JSON parse error - {exc}") from None
