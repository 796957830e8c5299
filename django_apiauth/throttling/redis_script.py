"""Running one Lua script on Redis at the cost of one round trip and little more.

A redis-py client spends more time in Python around a command (retries, event hooks, observability
counters, taking a connection from the pool and checking it with a ``poll`` call, generic argument encoding,
reply callbacks) than the loopback round trip itself takes. A rate-limit check is one short command on the
hot path of every request, so :class:`OwnConnectionsScript` keeps connections of its own, made by the
client's pool settings (address, database, credentials, timeouts, TLS) but kept out of the pool, writes
``EVALSHA`` packed by hand in the Redis protocol and reads the reply with redis-py's parser.

What the pool would otherwise take care of:

* a fork: a connection belongs to the process that made it; a child makes its own;
* a socket error: redis-py disconnects the connection (``send_packed_command`` / ``read_response``) and the
  next use connects again; the error propagates, so the outage policy of ``shared_cache.guarded`` applies;
* a connection that went stale while idle (the server restarted or dropped it): a connection error on a
  connection that has answered before is retried once on a new socket. The first attempt may have run, so
  a retried check can count twice (stricter, never looser); a connection that never answered is not retried,
  so a dead server costs one connection timeout;
* a server that has forgotten the script (restarted, ``SCRIPT FLUSH``) answers ``NOSCRIPT``: the same
  connection then sends it with ``EVAL``, which also caches it on the server again.

A process holds as many of these connections as it ran checks at the same time, besides the pool's; they
close when the cache object goes away or ``django_apiauth.testing.clear_caches()`` runs. Clients without a
connection pool (a cluster client of a custom cache backend) go through :class:`ClientScript`, redis-py's
ordinary ``evalsha`` / ``eval``.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from typing import Any, Protocol

#: Arguments of a script: key names (already prefixed by the cache) and integers.
Keys = Sequence[str]
Args = Sequence[int]


class Script(Protocol):
    def __call__(self, keys: Keys, args: Args) -> Any:
        """The script's reply (redis-py's decoding: ``bytes``, or ``str`` on a decoding client)."""
        ...

    def close(self) -> None:
        """Let go of the connections the script keeps."""
        ...


def _bulk(value: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(value), value)


def pack(command: bytes, script: bytes, keys: Keys, args: Args) -> bytes:
    """``command script numkeys key... arg...`` as one Redis protocol (RESP) array of bulk strings."""
    parts = [_bulk(command), _bulk(script), _bulk(b"%d" % len(keys))]
    parts += [_bulk(key.encode()) for key in keys]
    parts += [_bulk(b"%d" % arg) for arg in args]
    return b"*%d\r\n%s" % (len(parts), b"".join(parts))


def _sha1(source: bytes) -> bytes:
    return hashlib.sha1(source, usedforsecurity=False).hexdigest().encode()


def _redis_errors() -> tuple[type[Exception], type[Exception]]:
    """``(NoScriptError, ConnectionError)`` of redis-py, imported once a Redis cache is in use (it is optional)."""
    from redis.exceptions import ConnectionError, NoScriptError

    return NoScriptError, ConnectionError


class OwnConnectionsScript:
    """One script run through connections of its own to the server of ``pool``, made by the pool's settings.

    Idle connections wait in a list (``pop`` and ``append`` are atomic, so threads need no lock); there are
    never more than the checks that ran at the same time. Each remembers whether it has answered before.
    """

    def __init__(self, pool: Any, source: str) -> None:
        self._make = functools.partial(pool.connection_class, **pool.connection_kwargs)
        self._idle: list[tuple[Any, bool]] = []
        self._source = source.encode()
        self._sha = _sha1(self._source)
        self._no_script, self._connection_error = _redis_errors()

    def __call__(self, keys: Keys, args: Args) -> Any:
        connection, answered = self._take()
        try:
            try:
                reply = self._exchange(connection, keys, args)
            except self._connection_error:
                if not answered:
                    raise
                reply = self._exchange(connection, keys, args)  # a stale socket: one more try on a new one
        except BaseException:
            self._idle.append((connection, False))  # disconnected by redis-py if the socket failed
            raise
        self._idle.append((connection, True))
        return reply

    def _take(self) -> tuple[Any, bool]:
        try:
            connection, answered = self._idle.pop()
        except IndexError:
            return self._make(), False
        if connection.pid != os.getpid():
            connection.disconnect()  # our copy of the parent's socket; the parent's stays open
            return self._make(), False
        return connection, answered

    def _exchange(self, connection: Any, keys: Keys, args: Args) -> Any:
        connection.send_packed_command([pack(b"EVALSHA", self._sha, keys, args)])
        try:
            return connection.read_response()
        except self._no_script:
            connection.send_packed_command([pack(b"EVAL", self._source, keys, args)])
            return connection.read_response()

    def close(self) -> None:
        """Disconnect the idle connections (a later call connects again)."""
        while self._idle:
            connection, _ = self._idle.pop()
            connection.disconnect()


class ClientScript:
    """The same script through a client's own ``evalsha`` (for clients that have no connection pool)."""

    def __init__(self, client: Any, source: str) -> None:
        self._client = client
        self._source = source
        self._sha = _sha1(source.encode()).decode()
        self._no_script, _ = _redis_errors()

    def __call__(self, keys: Keys, args: Args) -> Any:
        try:
            return self._client.evalsha(self._sha, len(keys), *keys, *args)
        except self._no_script:
            return self._client.eval(self._source, len(keys), *keys, *args)

    def close(self) -> None:
        """Nothing to do: the client's pool owns its connections."""


def script_on(client: Any, source: str) -> Script:
    """The cheapest way to run ``source`` on ``client``'s server."""
    pool = getattr(client, "connection_pool", None)
    if pool is not None and hasattr(pool, "connection_class") and hasattr(pool, "connection_kwargs"):
        return OwnConnectionsScript(pool, source)
    return ClientScript(client, source)
