"""Deciding what a credential is granted: at login, at refresh, and for keys and clients.

The rule everywhere: **granted = asked ∩ what the registry allows this user now**. Asking for a scope one
may not have is not an error (RFC 6749 §3.3 lets the server grant less; the response's ``scope`` says what
was granted, §5.1). At refresh the asked set may only narrow the original grant (§6): asking for anything
outside it is ``invalid_scope``. Every refresh intersects again with what the user may have *now*, so a
user who loses a right loses its scope at their next refresh, without revoking their session.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import InvalidScope
from django_apiauth.scopes.registry import allowed_scopes


def default_scopes() -> tuple[str, ...]:
    """What a login that does not send ``scope`` asks for: ``APIAUTH["LOGIN_SCOPES"]``."""
    return tuple(apiauth_settings.LOGIN_SCOPES)


def grant_for_user(user: Any, asked: Iterable[str] | None) -> tuple[str, ...]:
    """``asked`` (or the default set when ``None``) ∩ what ``user`` may be granted, in the order asked."""
    wanted = default_scopes() if asked is None else tuple(asked)
    allowed = allowed_scopes(user, among=wanted)
    return tuple(dict.fromkeys(name for name in wanted if name in allowed))


def narrow_grant(user: Any, original: Collection[str], asked: Iterable[str] | None) -> tuple[str, ...]:
    """A refresh: ``asked`` (default: the ``original`` grant) must lie within it; re-checked against now.

    Raises ``InvalidScope`` when ``asked`` holds a name outside the original grant (RFC 6749 §6).
    """
    if asked is None:
        wanted = tuple(original)
    else:
        wanted = tuple(asked)
        beyond = [name for name in wanted if name not in original]
        if beyond:
            raise InvalidScope("The requested scope exceeds the scope originally granted.")
    return grant_for_user(user, wanted)
