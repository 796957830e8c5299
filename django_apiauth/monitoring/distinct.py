"""Counting distinct members per window in the shared cache (accounts per network, networks per account).

On Redis it is a set (``SADD``, ``SCARD``, ``PEXPIRE`` in one pipelined round trip): exact. On other caches
each member is an ``add``-ed key and the count an ``incr``: exact as long as the cache keeps the keys. The
window slides: each new member keeps the set for another window. Detectors are best effort: when the cache
is down they see nothing (``None``) rather than failing the request.
"""

from __future__ import annotations

from typing import Any

from django_apiauth.shared_cache import is_outage, shared_cache
from django_apiauth.throttling.redis_backend import redis_client_of


def add_member(key: str, member: str, ttl_seconds: int) -> tuple[int, bool] | None:
    """``(distinct members now, whether member is new)``, or ``None`` when the cache is unreachable."""
    try:
        return _add(key, member, max(1, ttl_seconds))
    except Exception as exc:
        if is_outage(exc):
            return None
        raise


def _add(key: str, member: str, ttl: int) -> tuple[int, bool]:
    cache = shared_cache()
    client: Any = redis_client_of(cache)
    if client is not None:
        name = cache.make_key(key)
        pipe = client.pipeline(transaction=True)
        pipe.sadd(name, member)
        pipe.scard(name)
        pipe.expire(name, ttl)
        added, count, _ = pipe.execute()
        return int(count), bool(added)
    if not cache.add(f"{key}:m:{member}", 1, ttl):
        return int(cache.get(f"{key}:n") or 0), False
    if cache.add(f"{key}:n", 1, ttl):
        return 1, True
    return int(cache.incr(f"{key}:n")), True
