"""Principals: who a request speaks for when it is not a human user.

A service key or an OAuth ``client_credentials`` token authenticates a *machine*. Such a request keeps
``request.user`` an ``AnonymousUser`` and puts a principal in ``request.auth``. A principal carries
``scopes`` (a frozenset) and a name (``service`` or ``client_id``) and has no user attribute at all, so no
code path can turn it into a human: DRF's ``IsAuthenticated`` refuses it, ``is_staff`` checks see the
anonymous user, and only views that opt in (``IsService``, ``IsUserOrService``, ``HasScope``) admit it.

``Principal`` is the base every credential object of this package placed in ``request.auth`` derives from
(user API keys too); ``HasScope`` recognises our credentials by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Principal:
    """Base of our credential objects in ``request.auth``: ``scopes``, and a name when not a user's."""

    __slots__ = ()
    scopes: frozenset[str]

    @property
    def service(self) -> str | None:
        """The service name of a service credential, else ``None``."""
        return None

    @property
    def client_id(self) -> str | None:
        """The OAuth client of a ``client_credentials`` token, else ``None``."""
        return None

    @property
    def is_machine(self) -> bool:
        """True when no human user stands behind this credential."""
        return bool(self.service or self.client_id)


@dataclass(frozen=True)
class ClientPrincipal(Principal):
    """An OAuth client acting for itself (``client_credentials``): ``client_id``, ``scopes`` and the claims."""

    client: str
    scopes: frozenset[str]
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def client_id(self) -> str | None:
        return self.client

    def __repr__(self) -> str:
        return f"ClientPrincipal(client_id={self.client!r}, scopes={sorted(self.scopes)!r})"
