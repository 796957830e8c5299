"""Failure counters on Redis: every check-and-reserve is one Lua script, one round trip, atomic.

Atomicity is what makes the reservation exact: of a concurrent burst on one account, exactly ``threshold``
attempts find the counter below the threshold and reserve a slot; every other one is refused before its
password is hashed. The clock is Redis's own (``TIME``), so web servers' clocks do not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.cache.backends.base import BaseCache

from django_apiauth.lockout.policy import Counter, Networks, Timing, Verdict

RESERVE_LUA = """
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local base, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, awindow, amount = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local reserve = amount > 0
local function wait(excess)
  local w = base * (2 ^ math.min(excess, 40))
  if w > cap then return cap end
  return w
end
local until_ms, k, a, entries = 0, 1, 6, {}
while a <= #ARGV do
  local thr = tonumber(ARGV[a + 1])
  if ARGV[a] == 'c' then
    local n = tonumber(redis.call('HGET', KEYS[k], 'n') or '0')
    local last = tonumber(redis.call('HGET', KEYS[k], 't') or '0')
    if n >= thr and last + wait(n - thr) > until_ms then until_ms = last + wait(n - thr) end
    entries[#entries + 1] = {'c', k, thr, n}
    k, a = k + 1, a + 2
  else
    local c = redis.call('SCARD', KEYS[k])
    local last = tonumber(redis.call('GET', KEYS[k + 1]) or '0')
    if c > thr and last + wait(c - thr - 1) > until_ms then until_ms = last + wait(c - thr - 1) end
    entries[#entries + 1] = {'n', k, thr, c, ARGV[a + 2], ARGV[a + 3]}
    k, a = k + 3, a + 4
  end
end
local out = {0, 0}
if until_ms > now then
  out[2] = until_ms - now
  for i, e in ipairs(entries) do out[#out + 1] = e[4] end
  return out
end
out[1] = 1
for i, e in ipairs(entries) do
  if not reserve then
    out[#out + 1] = e[4]
  elseif e[1] == 'c' then
    local n = redis.call('HINCRBY', KEYS[e[2]], 'n', amount)
    redis.call('HSET', KEYS[e[2]], 't', now)
    local ttl = window
    if n >= e[3] then ttl = ttl + wait(n - e[3]) end
    redis.call('PEXPIRE', KEYS[e[2]], ttl)
    out[#out + 1] = n
  else
    redis.call('SADD', KEYS[e[2]], e[5])
    redis.call('PEXPIRE', KEYS[e[2]], awindow)
    redis.call('SET', KEYS[e[2] + 1], now, 'PX', awindow)
    redis.call('SADD', KEYS[e[2] + 2], e[6])
    redis.call('PEXPIRE', KEYS[e[2] + 2], awindow)
    out[#out + 1] = redis.call('SCARD', KEYS[e[2]])
  end
end
return out
"""

RELEASE_LUA = """
for i = 1, #KEYS do
  if ARGV[i] == 'reset' then
    redis.call('DEL', KEYS[i])
  elseif ARGV[i] == 'giveback' and tonumber(redis.call('HGET', KEYS[i], 'n') or '0') > 0 then
    redis.call('HINCRBY', KEYS[i], 'n', -1)
  end
end
return 1
"""

_scripts: dict[str, Any] = {}


def _script(client: Any, name: str, source: str) -> Any:
    script = _scripts.get(name)
    if script is None:
        script = _scripts[name] = client.register_script(source)
    return script


class RedisStore:
    def __init__(self, cache: BaseCache, client: Any) -> None:
        self.cache = cache
        self.client = client

    def _key(self, key: str) -> str:
        return str(self.cache.make_key(key))

    def reserve(
        self, entries: Sequence[Counter | Networks], timing: Timing, *, reserve: bool, amount: int = 1
    ) -> Verdict:
        """Check the wait and, if there is none and ``reserve``, add ``amount`` failures to every counter (a
        networks entry records its network once, whatever the amount)."""
        keys: list[str] = []
        args: list[Any] = [timing.base_ms, timing.max_ms, timing.window_ms, timing.account_window_ms]
        args.append(amount if reserve else 0)
        for entry in entries:
            if isinstance(entry, Counter):
                keys.append(self._key(entry.key))
                args += ["c", entry.threshold]
            else:
                keys += [self._key(entry.key), self._key(entry.key + ":t"), self._key(entry.index_key)]
                args += ["n", entry.threshold, entry.network, entry.account]
        raw = _script(self.client, "reserve", RESERVE_LUA)(keys=keys, args=args, client=self.client)
        return Verdict(bool(int(raw[0])), int(float(raw[1])), tuple(int(c) for c in raw[2:]))

    def release(self, entries: Sequence[Counter | Networks]) -> None:
        keys: list[str] = []
        modes: list[str] = []
        for entry in entries:
            if isinstance(entry, Counter):
                keys.append(self._key(entry.key))
                modes.append("reset" if entry.reset_on_success else "giveback")
            else:
                keys += [self._key(entry.key), self._key(entry.key + ":t")]
                modes += ["reset", "reset"]
        _script(self.client, "release", RELEASE_LUA)(keys=keys, args=modes, client=self.client)

    def members(self, key: str) -> set[str]:
        return {m.decode() if isinstance(m, bytes) else str(m) for m in self.client.smembers(self._key(key))}

    def delete(self, keys: Sequence[str]) -> int:
        return int(self.client.delete(*[self._key(k) for k in keys])) if keys else 0
