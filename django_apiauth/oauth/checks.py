"""Deployment check of the authorization server.

* ``apiauth.W150`` (``check --deploy``) the RFC 8414 metadata is served but the issuer (``JWT_ISSUER``) is
  not an ``https`` URL: RFC 8414 §2 requires one, and clients compare it with the ``iss`` they receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.core import checks
from django.urls import Resolver404, resolve

from django_apiauth.conf import apiauth_settings

METADATA_PATH = "/.well-known/oauth-authorization-server"


def _serves_metadata() -> bool:
    from django_apiauth.views.oauth_endpoints import MetadataView

    try:
        match = resolve(METADATA_PATH)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is MetadataView


def check_https_issuer(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    issuer = apiauth_settings.JWT_ISSUER
    parts = urlsplit(issuer) if isinstance(issuer, str) else None
    if parts is not None and parts.scheme == "https" and parts.netloc and not (parts.query or parts.fragment):
        return []
    if not _serves_metadata():
        return []
    return [
        checks.Warning(
            f"The OAuth issuer APIAUTH['JWT_ISSUER'] = {issuer!r} is not an https URL.",
            hint="Set it to the https URL of this server (no query or fragment): RFC 8414 requires it.",
            id="apiauth.W150",
        )
    ]


def register() -> None:
    checks.register(check_https_issuer, "apiauth", deploy=True)
