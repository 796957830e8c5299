"""Redirect-URI matching: exact string comparison, with one exception for native apps.

RFC 9700 §4.1.3 asks for exact matching; RFC 8252 §7.3 lets a native (public) client listen on any free
port of the loopback interface, so for a registered ``http://127.0.0.1/...`` or ``http://[::1]/...`` URI of
a public client the port alone may differ. Nothing is normalised (case, percent-encoding, trailing dots):
normalising is how near-miss URIs get accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# scheme, loopback host, optional port, then the rest (path, query) compared verbatim.
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|\[::1\])(?::([0-9]{1,5}))?(/[^#]*)?")
MAX_REDIRECT_URI_LENGTH = 2000


def _without_port(uri: str) -> tuple[str, str] | None:
    """``(host, rest)`` of a loopback URI with a valid (or no) port, else ``None``."""
    match = _LOOPBACK.fullmatch(uri)
    if match is None:
        return None
    port = match.group(2)
    if port is not None and not (0 < int(port) < 65536 and not port.startswith("0")):
        return None
    return match.group(1), match.group(3) or ""


def redirect_uri_matches(registered: str, presented: str, *, public: bool) -> bool:
    """Whether ``presented`` is ``registered``, or (public clients) the same loopback URI on another port."""
    if presented == registered:
        return True
    if not public:
        return False
    ours, theirs = _without_port(registered), _without_port(presented)
    return ours is not None and ours == theirs


def find_redirect_uri(registered: Iterable[str], presented: object, *, public: bool) -> str | None:
    """The presented URI when it matches a registered one, else ``None``."""
    if not isinstance(presented, str) or not presented or len(presented) > MAX_REDIRECT_URI_LENGTH:
        return None
    for uri in registered:
        if redirect_uri_matches(uri, presented, public=public):
            return presented
    return None
