"""The JSON Web Key Set (RFC 7517 §5): public keys of ``next``, ``active`` and ``retiring`` keys.

``next`` keys are published before they sign so that verifiers caching the JWKS already know them when
a rotation makes them active; HS256 keys are secrets and never published.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Case, IntegerField, Value, When

from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto.keys import HS256
from django_apiauth.jwt.keystore import key_store
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState

_STATE_ORDER = Case(
    When(state=SigningKeyState.ACTIVE, then=Value(0)),
    When(state=SigningKeyState.NEXT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def jwks_document() -> dict[str, Any]:
    """``{"keys": [...]}``, active keys first, then next, then retiring (newest first within each)."""
    rows = (
        SigningKey.objects.verifying()
        .exclude(algorithm=HS256)
        .order_by(_STATE_ORDER, "-created_at", "kid")
        .values_list("public_jwk", flat=True)
    )
    return {"keys": [dict(jwk) for jwk in rows if jwk]}


def serialise(document: dict[str, Any]) -> tuple[bytes, str]:
    """Canonical JSON body and its strong ETag (the body's SHA-256), so equal key sets share an ETag."""
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


#: key-store generation -> (body, ETag) of the served document.
published: LocalCache[tuple[bytes, str]] = local_cache(
    "jwt.published_jwks",
    maxsize=1,
    size="1 document",
    staleness="`SIGNING_KEY_RELOAD_INTERVAL` (5 s); a rotation in this process is published at once",
)


def published_jwks() -> tuple[bytes, str]:
    """The served body and ETag, rebuilt at most once per ``SIGNING_KEY_RELOAD_INTERVAL`` per process.

    The endpoint is public, so without this every anonymous request would cost a query. A rotation in this
    process is visible at once (it invalidates the key store, whose generation keys this cache); one made
    by another process within the interval, long before a pre-published ``next`` key starts signing.
    """
    generation = key_store.generation
    cached = published.get(generation)
    if cached is not None:
        return cached
    document = serialise(jwks_document())
    published.set(generation, document, apiauth_settings.SIGNING_KEY_RELOAD_INTERVAL.total_seconds())
    return document
