"""The principal of an OAuth client's own token, and whether a client's tokens are still honoured.

A layer of its own (below ``authn``): the shared verification core turns ``client_credentials`` tokens into
a principal and asks whether the issuing client is still live, without depending on the authorization
server's flows.

A client's state is read from its row and remembered per process for ``JWT_USER_CACHE_TTL`` (1 s), as
users are: deactivating a client, or revoking its own tokens, takes effect in every process within that
bound, and no cache eviction can bring a refused token back (a missing entry means "read the row").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_apiauth.blocking import blocking_point
from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import InvalidToken
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.scopes.principals import ClientPrincipal


class ClientNotLive(InvalidToken):
    """The token's OAuth client was deactivated or deleted, or revoked the client's own tokens."""

    reason = "client_inactive"
    default_description = "The OAuth client of this access token is inactive or its tokens were revoked."


@dataclass(frozen=True)
class ClientState:
    """What a token check needs of a client row: whether it is active, and its own tokens' revocation time."""

    active: bool
    tokens_revoked_at: float | None = None


_GONE = ClientState(active=False)

#: ``client_id -> ClientState``; a miss reads the row, so eviction can only cost a query, never a refusal.
client_states: LocalCache[ClientState] = local_cache(
    "oauth.client_states",
    maxsize=10_000,
    size="10,000 OAuth clients",
    staleness="`JWT_USER_CACHE_TTL` (1 s): a deactivated client's tokens are refused by every process after it",
)


def client_state(client_id: str) -> ClientState:
    """The client's state, from this process's memory or one indexed query."""
    ttl = apiauth_settings.JWT_USER_CACHE_TTL.total_seconds()
    cached = client_states.get(client_id) if ttl > 0 else None
    if cached is not None:
        return cached
    blocking_point()  # a database query
    row = OAuthClient.objects.filter(client_id=client_id).values_list("is_active", "tokens_revoked_at").first()
    state = _GONE if row is None else ClientState(row[0], row[1].timestamp() if row[1] is not None else None)
    if ttl > 0:
        client_states.set(client_id, state, ttl)
    return state


def forget_client(client_id: str) -> None:
    """Drop this process's memory of a client whose state just changed here."""
    client_states.discard(client_id)


def check_client_live(claims: dict[str, Any], *, own_token: bool) -> None:
    """Raise ``ClientNotLive`` unless the token's client is active and, for the client's own token, was
    issued after the client's tokens were last revoked (whole seconds: a token issued in the same second
    as the revocation is refused too, which errs on the safe side)."""
    state = client_state(str(claims.get("client_id", "")))
    if not state.active:
        raise ClientNotLive()
    revoked_at = state.tokens_revoked_at
    if own_token and revoked_at is not None and int(claims.get("iat", 0)) <= int(revoked_at):
        raise ClientNotLive()


def client_principal(claims: dict[str, Any]) -> ClientPrincipal:
    """``request.auth`` of a request made with a ``client_credentials`` token (``request.user`` anonymous),
    from the claims alone."""
    scopes = frozenset(str(claims.get("scope", "")).split())
    return ClientPrincipal(client=str(claims["client_id"]), scopes=scopes, claims=claims)


def live_client_principal(claims: dict[str, Any]) -> ClientPrincipal:
    """:func:`client_principal` once the client is known to be live (a cached row read)."""
    check_client_live(claims, own_token=True)
    return client_principal(claims)
