"""Authorization responses carry ``iss`` (RFC 9207), so a client talking to several servers cannot be sent
one server's code under another's name (mix-up attacks)."""

from __future__ import annotations

from urllib.parse import urlencode

from django_apiauth.conf import apiauth_settings


def issuer() -> str:
    """The issuer identifier: the ``iss`` of access tokens, of the metadata document and of responses."""
    return apiauth_settings.JWT_ISSUER


def response_uri(redirect_uri: str, params: dict[str, str | None]) -> str:
    """``redirect_uri`` with ``params`` (those not ``None``) and ``iss`` added to its query (§2)."""
    values = {name: value for name, value in params.items() if value is not None}
    values["iss"] = issuer()
    separator = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{separator}{urlencode(values)}"
