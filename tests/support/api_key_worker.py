"""A second process for the cross-process tests: authenticates keys against the same database on command.

Protocol: one JSON object per line on stdin (``{"op": "auth", "key": ...}`` or ``{"op": "advance", "seconds":
...}``), one JSON answer per line on stdout; ``queries`` counts those on the key table (event rows are not
the key check's). Its key caches (rows, unknown ids, whether untagged keys exist) run on a clock moved only by
``advance``, so the staleness bound is tested exactly and without sleeping.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django_apiauth.api_keys import cache, lookup_ids
    from django_apiauth.api_keys.authenticate import authenticate_api_key
    from django_apiauth.api_keys.exceptions import APIKeyRejected

    now = [1000.0]

    def clock() -> float:
        return now[0]

    cache.verified_keys.clock = cache.unknown_lookup_ids.clock = lookup_ids.legacy_keys_present.clock = clock
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command: dict[str, Any] = json.loads(line)
        if command["op"] == "advance":
            now[0] += float(command["seconds"])
            answer: dict[str, Any] = {"clock": now[0]}
        else:
            with CaptureQueriesContext(connection) as queries:
                try:
                    authenticate_api_key(command["key"])
                    result = "accepted"
                except APIKeyRejected as exc:
                    result = exc.reason
            key_queries = [q for q in queries.captured_queries if "apiauth_apikey" in q["sql"]]
            answer = {"result": result, "queries": len(key_queries)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
