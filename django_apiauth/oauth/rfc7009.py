"""Token revocation (RFC 7009): a client revokes its own tokens; anything else is silently ignored.

§2.2: the answer is 200 whether or not the token existed, so revocation cannot probe for tokens. A refresh
token ends its whole family; an access token of a family ends that family (its refresh tokens would mint
new access tokens anyway); revoking a client's own token ends every token the client holds for itself
(``oauth.lifecycle.revoke_client_tokens``, recorded on its row) and puts its ``jti`` on the revocation list.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.models.refresh import RefreshTokenFamily, RevocationReason
from django_apiauth.oauth.lifecycle import revoke_client_tokens
from django_apiauth.oauth.tokens import find_token
from django_apiauth.refresh.revocation import remember_revoked_token, revoke_families


@sensitive_variables("token")
def revoke_token(request: HttpRequest, client: OAuthClient, token: object, hint: object = None) -> None:
    found = find_token(token, hint)
    if found is None or found.client_id != client.client_id:
        return  # §2.1: a client may revoke only tokens issued to it; §2.2: still 200
    family_id = found.family.pk if found.family is not None else None
    claims = found.claims or {}
    if family_id is None and isinstance(claims.get("sid"), str):
        family_id = RefreshTokenFamily.objects.filter(public_id=claims["sid"]).values_list("pk", flat=True).first()
    details: dict[str, object] = {"client_id": client.client_id}
    if family_id is not None:
        sids = revoke_families(RefreshTokenFamily.objects.filter(pk=family_id), RevocationReason.CLIENT_REVOKED)
        details["family_ids"] = sids
    else:
        revoke_client_tokens(client.client_id)
        remember_revoked_token(str(claims.get("jti")), float(claims.get("exp", 0)))
        details["jti"] = claims.get("jti")
    record_event(EventType.TOKEN_REVOKED, request=request, details=details)
