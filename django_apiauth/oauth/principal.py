"""The identity of a ``client_credentials`` access token: a client, never a user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClientPrincipal:
    """What ``request.auth`` holds for a client acting on its own behalf (``request.user`` stays anonymous).

    It has scopes and a client id and nothing that could be mistaken for a user: no ``pk``, no
    ``is_staff``, no ``has_perm``.
    """

    client_id: str
    scopes: frozenset[str]
    claims: dict[str, Any] = field(repr=False, compare=False)

    @property
    def service(self) -> str:
        """The name ``IsService``-style checks and events use for a non-human caller."""
        return self.client_id

    def get(self, name: str, default: Any = None) -> Any:
        """Claims stay readable like those of a user token (``request.auth.get("jti")``)."""
        return self.claims.get(name, default)
