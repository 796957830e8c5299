"""A drop-in ``JSONParser`` that answers too deeply nested JSON with a 400 instead of a 500.

Python's ``json`` module raises ``RecursionError`` (a ``RuntimeError``, not a ``ValueError``) for nesting
deeper than the interpreter's recursion limit, and DRF's parser only turns ``ValueError`` into a
``ParseError``: a 20 KB body of ``[`` characters was enough for a 500 on any JSON endpoint. Use it in
``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` in place of ``rest_framework.parsers.JSONParser``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


def safe_parsers(parser_list: list[parsers.BaseParser]) -> list[parsers.BaseParser]:
    """``parser_list`` with DRF's own ``JSONParser`` replaced by ours (other parsers kept, order kept)."""
    return [JSONParser() if type(parser) is parsers.JSONParser else parser for parser in parser_list]
