"""Reading and writing RFC 6749 §3.3 ``scope`` strings, strictly.

``scope = scope-token *( SP scope-token )`` with ``scope-token = 1*( %x21 / %x23-5B / %x5D-7E )``: printable
ASCII except space, double quote and backslash. A value that is not a string, holds any other character
(control characters, non-ASCII, tabs, quotes), is longer than ``MAX_SCOPE_LENGTH`` characters or names
more than ``MAX_REQUESTED_SCOPES`` scopes is refused with ``InvalidScope`` (400 ``invalid_scope``): these
are client bugs or probes, and answering them early keeps the grant logic free of hostile input.

Well-formed names the registry does not know are *not* an error here: granting decides what to drop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django_apiauth.exceptions import InvalidScope

#: Longer than any sensible request and equal to the stored grant's column size, so a grant always fits.
MAX_SCOPE_LENGTH = 1000
MAX_REQUESTED_SCOPES = 64
_SCOPE_STRING = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


def parse_scope(value: object) -> tuple[str, ...]:
    """The distinct scope names of a ``scope`` parameter, in the order asked.

    Several spaces between names are tolerated (clients join lists carelessly); an empty string asks for
    no scope at all. Raises ``InvalidScope`` for anything else than a well-formed string.
    """
    if not isinstance(value, str):
        raise InvalidScope("The scope parameter must be a space-delimited string.")
    if len(value) > MAX_SCOPE_LENGTH:
        raise InvalidScope(f"The scope parameter may be at most {MAX_SCOPE_LENGTH} characters long.")
    if _SCOPE_STRING.fullmatch(value) is None:
        raise InvalidScope("The scope parameter may contain only printable ASCII scope names separated by spaces.")
    names = tuple(dict.fromkeys(value.split()))
    if len(names) > MAX_REQUESTED_SCOPES:
        raise InvalidScope(f"At most {MAX_REQUESTED_SCOPES} scopes may be requested at once.")
    return names


def format_scope(names: Iterable[str]) -> str:
    """The space-delimited form of ``names`` (RFC 6749 §3.3), duplicates dropped, order kept."""
    return " ".join(dict.fromkeys(names))
