"""Settings for the test suite: SQLite and local memory by default, real PostgreSQL/Redis when asked."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from example_project.env import caches_from_env, database_from_env

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-secret-key-not-for-production-5f2c9a"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_apiauth",
    "example_project",  # only for the example project's own pages and commands (tests/test_web_client_page.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_apiauth.middleware.SecurityHeadersMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_apiauth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": database_from_env(":memory:")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not ":memory:": concurrency tests run real threads, each with its own connection, and they must
    # meet the same locking as a deployed SQLite. Durability is not under test: fsync is skipped, and the file
    # lives in shared memory where there is one.
    TEST_SQLITE_DIR = tempfile.mkdtemp(prefix="apiauth-tests-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    atexit.register(shutil.rmtree, TEST_SQLITE_DIR, True)
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("APIAUTH_TEST_SQLITE", os.path.join(TEST_SQLITE_DIR, "test.sqlite3"))
    }
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA synchronous=OFF;"
CACHES = caches_from_env(f"apiauth-tests-{os.getpid()}")

# Fast hashing keeps the suite quick; the benchmarks measure the real hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "django_apiauth.drf.jwt_authentication.JWTAuthentication",
        "django_apiauth.drf.api_key_authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.FormParser"],
    "EXCEPTION_HANDLER": "django_apiauth.drf.exceptions.oauth_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

APIAUTH: dict[str, object] = {}
# API keys
APIAUTH.update(
    API_KEY_PEPPER="tests-only-api-key-pepper-0c1d2e3f4a5b6c7d8e9f",
    SCOPES={
        "read": {"description": "Read", "grant": "anyone"},
        "write": {"description": "Write", "grant": "anyone"},
        "admin": {"description": "Administration", "grant": "staff"},
        "billing": {"description": "Billing", "grant": "perm:auth.view_group"},
        "reports:read": {"description": "Reports", "grant": "staff"},
    },
)

APIAUTH["CORS"] = {"ALLOWED_ORIGINS": ["https://app.example.com"], "ALLOW_CREDENTIALS": True}
# The test client talks plain HTTP to "testserver"; the HTTPS requirement is tested by turning it back on.
APIAUTH["REQUIRE_HTTPS"] = False
CSRF_FAILURE_VIEW = "django_apiauth.views.errors.csrf_failure"

# A fixed test-only Fernet key: private signing keys are encrypted as in production (no W010 fallback).
APIAUTH["KEY_ENCRYPTION_KEYS"] = ["dGVzdHMtb25seS1mZXJuZXQta2V5LTAxMjM0NTY3ODk="]

# The suite floods our endpoints (fuzzing, concurrency): the built-in rates would refuse it. Tests of the
# throttles set their own rates; the defaults themselves are tested against ``DEFAULT_RATES``.
APIAUTH["THROTTLE_RATES"] = dict.fromkeys(("login", "refresh", "api_keys", "sessions", "mfa", "oauth"), "100000/min")
# A per-process cache whose clock ``time-machine`` controls (Redis keeps its own): frozen-clock tests of
# windows and waits point ``APIAUTH["CACHE_ALIAS"]`` at it.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "apiauth-tests-local"}
