"""Which lookup ids can belong to a key, decided without the database for every id this library issues.

An issued lookup id ends with a tag keyed by a key derived from the pepper (``format.lookup_tag``). A
presented id whose tag matches neither the current pepper's tag key nor a fallback pepper's was never issued
here, so it is refused with no query and nothing remembered: a flood of random ids costs one HMAC per
request and no memory. A key keeps the tag of the pepper that was current when it was created, so an old
pepper stays in ``API_KEY_PEPPER_FALLBACKS`` until the keys created under it have expired or been revoked.

Keys issued before tagging have a 12-character lookup id and no tag. Whether any such key is still usable is
asked of the database at most once per ``API_KEY_CACHE_TTL`` while the answer is "none" (a key created in
that form elsewhere, by an older release during a rolling upgrade, is found within that bound), and once
per :data:`LEGACY_PRESENT_TTL` while it is "some" (a wrong "some" only costs queries: every such id is then
looked up as before, and remembered as unknown for ``API_KEY_CACHE_TTL``).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.utils import timezone

from django_apiauth.api_keys import cache
from django_apiauth.api_keys.format import LEGACY_LOOKUP_ID_LENGTH, has_valid_tag, tag_hmac, tagged_lookup_id
from django_apiauth.api_keys.hashing import current_pepper, derived_pepper
from django_apiauth.blocking import blocking_point
from django_apiauth.conf import ApiAuthSettings
from django_apiauth.localcache import LocalCache, local_cache, register_memo
from django_apiauth.models.api_keys import APIKey, APIKeyState, state_filter
from django_apiauth.settings_spec import user_settings

TAG_KEY_LABEL = b"django_apiauth.api_keys.lookup_tag.v1"
#: How long "usable keys with untagged lookup ids exist" is believed before it is asked again.
LEGACY_PRESENT_TTL = 60.0
#: The settings' declarations (their values are read on each call), looked up once: every made-up id reads them.
_PEPPER, _PEPPER_FALLBACKS = ApiAuthSettings.API_KEY_PEPPER, ApiAuthSettings.API_KEY_PEPPER_FALLBACKS


@lru_cache(maxsize=8)
def tag_key_for(pepper: bytes) -> bytes:
    """The key lookup ids are tagged with under ``pepper``: derived, so the pepper itself keys nothing else."""
    return hmac.new(pepper, TAG_KEY_LABEL, hashlib.sha256).digest()


@lru_cache(maxsize=8)
def _tag_keys(current: str, fallbacks: tuple[str, ...]) -> tuple[hmac.HMAC, ...]:
    """The keyed HMACs (``format.tag_hmac``) that check tags, the current pepper's first."""
    return tuple(tag_hmac(tag_key_for(pepper.encode())) for pepper in (current, *fallbacks))


register_memo("api_keys.lookup_tag_keys", tag_key_for, size="8 peppers")
register_memo("api_keys.lookup_tag_key_lists", _tag_keys, size="8 pepper lists")

legacy_keys_present: LocalCache[bool] = local_cache(
    "api_keys.legacy_keys_present",
    maxsize=1,
    size="1 answer: whether usable keys with untagged (12-character) lookup ids exist",
    staleness="`API_KEY_CACHE_TTL` (at most 1 s) while the answer is no; 60 s while it is yes",
)


def new_lookup_id() -> str:
    """A lookup id for a new key, tagged under the current pepper."""
    return tagged_lookup_id(tag_key_for(current_pepper()))


def may_exist(lookup_id: str) -> bool:
    """``False`` when no key can have ``lookup_id``: a tag no configured pepper made, or an untagged id while
    no usable untagged key exists. The current pepper is tried first, so an issued id costs one HMAC."""
    if len(lookup_id) == LEGACY_LOOKUP_ID_LENGTH:
        return _legacy_keys_present()
    values = user_settings()  # read once: this runs for every made-up key a flood sends
    current = _PEPPER.value_in(values) or derived_pepper()
    return any(has_valid_tag(lookup_id, tag) for tag in _tag_keys(current, _PEPPER_FALLBACKS.value_in(values)))


def _legacy_keys_present() -> bool:
    known = legacy_keys_present.get(True)
    if known is not None:
        return known
    blocking_point()
    present = (
        APIKey.objects.filter(state_filter(APIKeyState.ACTIVE, timezone.now()))
        .filter(lookup_id__regex=rf"^[0-9A-Za-z]{{{LEGACY_LOOKUP_ID_LENGTH}}}$")
        .exists()
    )
    legacy_keys_present.set(True, present, LEGACY_PRESENT_TTL if present else cache.ttl())
    return present


def usable_keys_tagged_with(pepper: str) -> int:
    """How many usable keys have a lookup id tagged under ``pepper``: while it is not 0, ``pepper`` must stay
    in ``API_KEY_PEPPER_FALLBACKS`` (or be the current pepper) for those keys to be found. Reads every usable
    key's lookup id: an operator's question, not a request's."""
    tag = tag_hmac(tag_key_for(pepper.encode()))
    usable = APIKey.objects.filter(state_filter(APIKeyState.ACTIVE, timezone.now()))
    ids = usable.values_list("lookup_id", flat=True).iterator()
    tagged = (lookup_id for lookup_id in ids if len(lookup_id) != LEGACY_LOOKUP_ID_LENGTH)
    return sum(1 for lookup_id in tagged if has_valid_tag(lookup_id, tag))
