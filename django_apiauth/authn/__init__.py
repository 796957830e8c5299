"""The scheme-neutral authentication core: read a credential from a Django request and verify it.

``JWTAuthentication``, ``APIKeyAuthentication``, ``AuthenticationMiddleware``, the ``require_*`` decorators
and :func:`aauthenticate` all run these functions, so every entry point accepts and refuses exactly the same
credentials. The DRF classes remain the extension points (their hooks are passed in here).
"""

from __future__ import annotations

from django_apiauth.authn.asynchronous import aauthenticate
from django_apiauth.authn.core import Identity, authenticate

__all__ = ["Identity", "aauthenticate", "authenticate"]
