"""A password hasher that counts how often it hashes, to prove when hashing did (not) happen.

It is Django's MD5 hasher (fast, test-only) plus a counter: in-process for the suite, and one line appended
to the file named by ``APIAUTH_TEST_HASH_LOG`` when set, so the workers of a real server can be counted too.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.contrib.auth.hashers import MD5PasswordHasher

_lock = threading.Lock()


class CountingHasher(MD5PasswordHasher):
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        with _lock:
            CountingHasher.calls += 1
        path = os.environ.get("APIAUTH_TEST_HASH_LOG")
        if path:
            with open(path, "a") as log:
                log.write(f"{os.getpid()}\n")
        return super().encode(password, salt)


def reset() -> Any:
    with _lock:
        CountingHasher.calls = 0
