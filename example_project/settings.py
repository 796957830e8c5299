"""Settings of the example project: SQLite by default, PostgreSQL/Redis through DATABASE_URL/REDIS_URL."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

from example_project.env import caches_from_env, database_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

# The fallback key is for the local demo only; set DJANGO_SECRET_KEY anywhere else.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-insecure-key-0b9d7c0e2f1a4c5b8e6d3a2f1c0b9a8e")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"] + [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h
]

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
    "drf_spectacular_sidecar",  # Swagger UI's assets, served from here: no CDN
    "django_apiauth",
    "example_project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Security headers (CSP, COOP, CORP, Permissions-Policy...), HTTPS for credentials, CORS classification.
    "django_apiauth.middleware.SecurityHeadersMiddleware",
    # Serves the web client's static files under gunicorn as under runserver (no collectstatic needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bearer tokens and API keys for plain Django views (@require_auth); DRF views authenticate themselves.
    "django_apiauth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
CACHES = caches_from_env("apiauth-demo")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # for `manage.py collectstatic` in a real deployment
# WhiteNoise warns at startup while STATIC_ROOT does not exist; until `collectstatic` creates it the finders
# serve the files, so `make demo` on a fresh clone has nothing to warn about.
warnings.filterwarnings("ignore", message=re.escape(f"No directory at: {STATIC_ROOT}"), category=UserWarning)
WHITENOISE_USE_FINDERS = True

# The origin whose API the web client at `/` talks to; empty means the page's own origin. `make demo-cors`
# serves the same page on a second origin pointed at the first.
WEB_CLIENT_API_BASE = os.environ.get("WEB_CLIENT_API_BASE", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Requests larger than this are refused with a JSON 400 before any view parses them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "django_apiauth.drf.jwt_authentication.JWTAuthentication",
        "django_apiauth.drf.api_key_authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # A JSON parser that answers 400 (not 500) to deeply nested, duplicate-key or NaN bodies.
    "DEFAULT_PARSER_CLASSES": ["django_apiauth.drf.parsers.StrictJSONParser", "rest_framework.parsers.FormParser"],
    "EXCEPTION_HANDLER": "django_apiauth.drf.exceptions.oauth_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The OpenAPI schema (/api/schema/) and Swagger UI (/api/docs/). django_apiauth registers its drf-spectacular
# extensions itself; the hook adds the OAuth and JWKS endpoints, which are plain Django views.
SPECTACULAR_SETTINGS = {
    "TITLE": "django-apiauth example project",
    "DESCRIPTION": "Sign in at POST /auth/login/ and use the access token (Authorize: jwtAuth), or an API key.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "django_apiauth.openapi.hooks.add_plain_view_endpoints",
    ],
}

APIAUTH: dict[str, object] = {
    "TRUSTED_PROXIES": [p for p in os.environ.get("APIAUTH_TRUSTED_PROXIES", "").split(",") if p],
}

# API keys: the fallback pepper is for the local demo only, like SECRET_KEY above.
APIAUTH["API_KEY_PEPPER"] = os.environ.get("APIAUTH_API_KEY_PEPPER", "demo-only-api-key-pepper-5d1e9a7c3b0f2e8d4c6a")
# One scope registry for logins, refreshes and API keys: who may be granted what.
APIAUTH["SCOPES"] = {
    "read": {"description": "Read your data", "grant": "anyone"},
    "write": {"description": "Change your data", "grant": "anyone"},
    "admin": {"description": "Administrative actions", "grant": "staff"},
    "reports:read": {"description": "Read reports (GET /api/reports/)", "grant": "staff"},
}
# What a login without a `scope` field asks for.
APIAUTH["LOGIN_SCOPES"] = ["read", "write"]
if os.environ.get("APIAUTH_API_KEY_QUERY_PARAM"):
    APIAUTH["API_KEY_QUERY_PARAM"] = os.environ["APIAUTH_API_KEY_QUERY_PARAM"]

# Cross-origin callers (django-cors-headers, configured through APIAUTH): the second origin of `make demo-cors`
# is allowed by default; set CORS_ALLOWED_ORIGINS to replace the list. The refresh-token cookie accepts the same
# origins (its CSRF defence refuses every other Origin). Plain-HTTP requests carrying credentials are refused
# outside DEBUG, except on localhost.
APIAUTH["CORS"] = {
    "ALLOWED_ORIGINS": [
        o for o in os.environ.get("CORS_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:8001").split(",") if o
    ],
    "ALLOW_CREDENTIALS": True,
}

# Security headers beyond SecurityHeadersMiddleware's defaults.
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "django_apiauth.views.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django_apiauth": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Unhandled exceptions with their traceback (Django mails them to ADMINS only, by default).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Fernet keys encrypting the private signing keys at rest (comma-separated, newest first). Unset, the demo
# derives one from SECRET_KEY and `manage.py check` warns (apiauth.W010).
APIAUTH["KEY_ENCRYPTION_KEYS"] = [k for k in os.environ.get("APIAUTH_KEY_ENCRYPTION_KEYS", "").split(",") if k]
# --- login and refresh tokens ------------------------------------------------------------------------------
# "both": API clients keep the refresh token in the body (the default at login), the web client asks for the
# HttpOnly cookie (`"refresh_transport": "cookie"`) so its scripts never hold the token.
APIAUTH["REFRESH_TOKEN_TRANSPORT"] = os.environ.get("APIAUTH_REFRESH_TOKEN_TRANSPORT", "both")

# --- rate limits and brute-force counters ----------------------------------------------------------------
# Browser tests, schema fuzzing and other suites all come from 127.0.0.1 and would be throttled or locked out
# by the defaults: raise them through the environment, e.g.
#   APIAUTH_THROTTLE_RATES="login=1000/min,refresh=1000/min"  APIAUTH_LOCKOUT_FAILURES=1000
APIAUTH["THROTTLE_RATES"] = dict(
    item.strip().split("=", 1) for item in os.environ.get("APIAUTH_THROTTLE_RATES", "").split(",") if "=" in item
)
for _name in ("LOCKOUT_FAILURES", "LOCKOUT_IP_FAILURES", "LOCKOUT_ACCOUNT_NETWORKS"):
    if os.environ.get(f"APIAUTH_{_name}", "").isdigit():
        APIAUTH[_name] = int(os.environ[f"APIAUTH_{_name}"])
if os.environ.get("APIAUTH_PASSWORD_HASHERS"):  # test servers count hashes with a test hasher
    PASSWORD_HASHERS = os.environ["APIAUTH_PASSWORD_HASHERS"].split(",")
# --- OAuth 2.0 authorization server ------------------------------------------------------------------------
# The issuer identifier: `iss` of access tokens, of the RFC 8414 metadata and of authorization responses.
# Use your https URL in production (`manage.py check --deploy` warns otherwise).
APIAUTH["JWT_ISSUER"] = os.environ.get("APIAUTH_ISSUER", "http://127.0.0.1:8000")
