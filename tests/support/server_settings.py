"""Settings of the servers the tests start: the test settings on a private SQLite file and memory cache."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["APIAUTH_SERVER_DB"]}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "server"}}
ROOT_URLCONF = "tests.support.middleware_urls"
