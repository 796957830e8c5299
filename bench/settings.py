"""Benchmark settings: the test settings with the production password hasher and no debug overhead."""

from tests.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"django_apiauth": {"level": "WARNING"}},
}

# DRF's TokenAuthentication (plaintext key, one ORM lookup) is the peer the JWT and API-key benchmarks
# compare against; its model lives in this app.
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]  # noqa: F405
