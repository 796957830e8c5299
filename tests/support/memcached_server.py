"""A throw-away ``memcached`` on a free port of 127.0.0.1, started and stopped by the test itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.support.redis_server import free_port


class MemcachedServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def location(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cache_settings(self, prefix: str) -> dict[str, Any]:
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": self.location,
            "KEY_PREFIX": prefix,
        }

    def start(self) -> None:
        binary = shutil.which("memcached")
        if binary is None:  # pragma: no cover - CI installs it
            pytest.skip("memcached is not installed (Debian package memcached)")
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [binary, "-p", str(self.port), "-l", "127.0.0.1", "-U", "0", "-m", "16", "-u", "nobody"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)  # waiting for a process to listen, not for time-based behaviour
        raise RuntimeError("memcached did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@contextmanager
def memcached_server() -> Iterator[MemcachedServer]:
    server = MemcachedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
