"""The exact sliding-window limiter on Redis: one Lua script, one round trip, one atomic decision.

Each key is a sorted set of the admission times (milliseconds, Redis's own clock, so the clocks of the web
servers do not matter) of the requests admitted in the last window. The script drops entries that left the
window, counts what is left and admits only when every key of the check is below its limit, so no window of
any key ever holds more than its limit. Refused requests are not recorded: a client hammering a closed window
is admitted again as soon as its oldest admitted request leaves it. Memory per key is bounded by the limit.

Works with django-redis (``cache.client.get_client``) and Django's built-in ``RedisCache``
(``cache._cache.get_client``); both hand out a redis-py client, whose ``Script`` runs ``EVALSHA`` and falls
back to ``EVAL`` once after a server restart.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.base import BaseCache

from django_apiauth.throttling.decision import Decision, decide
from django_apiauth.throttling.rates import Rate

SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  counts[i] = redis.call('ZCARD', KEYS[i])
  if counts[i] >= tonumber(ARGV[2 * i]) then allowed = 0 end
end
local out = {allowed, now}
for i = 1, n do
  if allowed == 1 then
    redis.call('ZADD', KEYS[i], now, ARGV[1])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i + 1]))
    counts[i] = counts[i] + 1
  end
  local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  out[#out + 1] = counts[i]
  out[#out + 1] = oldest[2] or '-1'
end
return out
"""


def redis_client_of(cache: BaseCache) -> Any | None:
    """The redis-py client behind a django-redis or Django ``RedisCache``, or ``None`` for other caches."""
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis
        return client.get_client(write=True)
    inner = getattr(cache, "_cache", None)
    if inner is not None and hasattr(inner, "get_client") and type(cache).__module__.startswith("django.core"):
        return inner.get_client(None, write=True)  # django.core.cache.backends.redis
    return None


class RedisSlidingWindow:
    """Sliding-window checks through a Lua script on the cache's Redis."""

    def __init__(self, cache: BaseCache, client: Any) -> None:
        self.cache = cache
        self.client = client

    def hit(self, keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision]:
        args: list[Any] = [secrets.token_hex(8)]
        for rate in rates:
            args += [rate.limit, rate.window * 1000]
        full_keys = [self.cache.make_key(key) for key in keys]
        raw = _script(self.client)(keys=full_keys, args=args, client=self.client)
        allowed, now = bool(int(raw[0])), float(raw[1])
        return [decide(allowed, rate, int(raw[2 + 2 * i]), float(raw[3 + 2 * i]), now) for i, rate in enumerate(rates)]


_scripts: dict[str, Any] = {}


def _script(client: Any) -> Any:
    """One registered ``Script`` (its SHA is computed once); it is called with whichever client is current."""
    script = _scripts.get("sliding")
    if script is None:
        script = _scripts["sliding"] = client.register_script(SLIDING_WINDOW_LUA)
    return script
