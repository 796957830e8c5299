"""The exact sliding-window limiter on Redis: one Lua script, one round trip, one atomic decision.

Each key is a list of the admission times (milliseconds, Redis's own clock, so the clocks of the web servers
do not matter) of the requests admitted in the last window, oldest first. A check drops the entries at the
head that left the window, appends the current time to every key of the check and keeps the appends only if
no key then holds more than its limit; otherwise it takes them back. So no window of any key ever holds more
than its limit: the same decisions as a sorted-set sliding log, from cheaper commands (``LRANGE`` of the head,
``RPUSH``, ``PEXPIRE``; ``LTRIM`` when something expired) and without a unique member per entry. Refused
requests are not recorded: a client hammering a closed window is admitted again as soon as its oldest
admitted request leaves it. Memory per key is bounded by the limit; an idle key expires one window after its
last admission.

Expired entries are dropped from the head only, up to the first entry still inside the window. Entries are
appended in the order of Redis's clock; were that clock stepped back, a newer entry could sit in front of an
older one and keep it counted a little longer: the limiter can then refuse early, never admit too many.

Works with django-redis (``cache.client.get_client``) and Django's built-in ``RedisCache``
(``cache._cache.get_client``); both hand out a redis-py client, whose pool ``redis_script`` uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.base import BaseCache

from django_apiauth.throttling.decision import Decision, decide
from django_apiauth.throttling.rates import Rate
from django_apiauth.throttling.redis_script import script_on

# ARGV holds ``limit, window in ms`` for each key. The reply is one string, ``allowed now`` followed by
# ``count oldest`` per key (count after the check, oldest entry still in the window), cheaper to read than
# an array.
SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local function first_inside(key, cutoff)
  local start, size = 0, 2
  while true do
    local chunk = redis.call('LRANGE', key, start, start + size - 1)
    for j = 1, #chunk do
      if tonumber(chunk[j]) > cutoff then
        if start + j > 1 then redis.call('LTRIM', key, start + j - 1, -1) end
        return chunk[j]
      end
    end
    if #chunk < size then
      if start + #chunk > 0 then redis.call('DEL', key) end
      return now
    end
    start, size = start + size, size * 2
  end
end
local out = {1, now}
for i = 1, #KEYS do
  local oldest = first_inside(KEYS[i], now - ARGV[2 * i])
  local count = redis.call('RPUSH', KEYS[i], now)
  if count > tonumber(ARGV[2 * i - 1]) then out[1] = 0 end
  out[2 * i + 1], out[2 * i + 2] = count, oldest
end
for i = 1, #KEYS do
  if out[1] == 1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
  else
    redis.call('RPOP', KEYS[i])
    out[2 * i + 1] = out[2 * i + 1] - 1
  end
end
return table.concat(out, ' ')
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
        self._script = script_on(client, SLIDING_WINDOW_LUA)

    def hit(self, keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision]:
        args: list[int] = []
        for rate in rates:
            args += (rate.limit, rate.window * 1000)
        fields = self._script([self.cache.make_key(key) for key in keys], args).split()
        allowed, now = int(fields[0]) == 1, float(fields[1])
        return [
            decide(allowed, rate, int(fields[2 * i + 2]), float(fields[2 * i + 3]), now) for i, rate in enumerate(rates)
        ]

    def close(self) -> None:
        """Disconnect the connections the script keeps (``django_apiauth.testing.clear_caches()`` does)."""
        self._script.close()
