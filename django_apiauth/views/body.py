"""Strict reading of JSON request bodies: the right shape and types, or a 400 ``invalid_request``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request

from django_apiauth.exceptions import InvalidRequest


def json_object(request: Request) -> Mapping[str, Any]:
    """The parsed body, which must be a JSON object (DRF turns malformed JSON into a 400 itself)."""
    data = request.data
    if not isinstance(data, Mapping):
        raise InvalidRequest("The request body must be a JSON object.")
    return data


def string_field(data: Mapping[str, Any], name: str, *, max_length: int) -> str:
    """``data[name]`` as a non-empty string a database and a hasher can take, else ``InvalidRequest``."""
    value = data.get(name)
    if value is None:
        raise InvalidRequest(f"The {name} field is required.")
    if not isinstance(value, str):
        raise InvalidRequest(f"The {name} field must be a string.")
    if not value or len(value) > max_length:
        raise InvalidRequest(f"The {name} field must be 1 to {max_length} characters long.")
    if "\x00" in value or not _encodable(value):
        # PostgreSQL refuses NUL characters and lone surrogates cannot be encoded: both would be a 500.
        raise InvalidRequest(f"The {name} field contains characters that are not allowed.")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
