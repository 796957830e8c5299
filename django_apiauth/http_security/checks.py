"""System checks for the HTTP edge (ids ``apiauth.E040``-``E043``, ``W040``-``W041``).

The CORS checks read both ``APIAUTH["CORS"]`` and django-cors-headers' own ``CORS_*`` settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from django_apiauth import conf
from django_apiauth.http_security.cors import CORS_OPTIONS, PROJECT_ORIGIN_SETTINGS
from django_apiauth.http_security.headers import DEFAULTS as HEADER_DEFAULTS

CheckResult = list[checks.CheckMessage]
#: An origin no sane allow-list names: a regex matching it matches everything.
_PROBE_ORIGIN = "https://any-origin.invalid"


def _block(key: str) -> dict[str, Any]:
    value = conf.user_settings().get(key, {})
    return value if isinstance(value, dict) else {}  # another type is E003's to report


def _is_origin(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.path in ("", "/")


def check_cors_shape(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E042: unknown option, an origin that is not ``scheme://host[:port]`` (or ``*``), wrong types."""
    cors = _block("CORS")
    problems = [f"unknown option {name!r}" for name in cors if name not in CORS_OPTIONS]
    origins = cors.get("ALLOWED_ORIGINS", [])
    if not isinstance(origins, (list, tuple)):
        problems.append("ALLOWED_ORIGINS must be a list")
    else:
        problems += [f"{o!r} is not an origin" for o in origins if o != "*" and not _is_origin(o)]
    if not isinstance(cors.get("ALLOW_CREDENTIALS", False), bool):
        problems.append("ALLOW_CREDENTIALS must be True or False")
    exposed = cors.get("EXPOSE_HEADERS", [])
    if not isinstance(exposed, (list, tuple)) or not all(isinstance(h, str) for h in exposed):
        problems.append("EXPOSE_HEADERS must be a list of header names")
    return [checks.Error(f"APIAUTH['CORS']: {problem}.", id="apiauth.E042") for problem in problems]


def _project_allows_any_origin() -> bool:
    if getattr(settings, "CORS_ALLOW_ALL_ORIGINS", getattr(settings, "CORS_ORIGIN_ALLOW_ALL", False)):
        return True
    listed = getattr(settings, "CORS_ALLOWED_ORIGINS", getattr(settings, "CORS_ORIGIN_WHITELIST", ()))
    if "*" in listed:
        return True
    patterns = getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", getattr(settings, "CORS_ORIGIN_REGEX_WHITELIST", ()))
    return any(re.match(pattern, _PROBE_ORIGIN) for pattern in patterns)


def check_cors_wildcard(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E040: any origin together with credentials lets every site read the user's authenticated answers."""
    cors = _block("CORS")
    ours = "*" in (cors.get("ALLOWED_ORIGINS") or ()) and cors.get("ALLOW_CREDENTIALS") is True
    theirs = _project_allows_any_origin() and bool(getattr(settings, "CORS_ALLOW_CREDENTIALS", False))
    if not (ours or theirs):
        return []
    where = "APIAUTH['CORS']" if ours else "django-cors-headers' CORS_* settings"
    return [
        checks.Error(
            f"{where} allow any origin together with credentials.",
            hint="List the origins that may call the API with credentials explicitly.",
            id="apiauth.E040",
        )
    ]


def check_cors_single_source(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E041: origins in both places would make two lists that drift apart."""
    if not _block("CORS").get("ALLOWED_ORIGINS"):
        return []
    both = [name for name in PROJECT_ORIGIN_SETTINGS if getattr(settings, name, None)]
    if not both:
        return []
    return [
        checks.Error(
            f"Allowed origins are set both in APIAUTH['CORS'] and in {', '.join(both)}.",
            hint="Keep one list: move the origins to APIAUTH['CORS']['ALLOWED_ORIGINS'].",
            id="apiauth.E041",
        )
    ]


def check_security_headers_shape(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E043: an unknown ``SECURITY_HEADERS`` option or a CSP that is not ``{directive: [sources]}``."""
    block = _block("SECURITY_HEADERS")
    problems = [f"unknown option {name!r}" for name in block if name not in HEADER_DEFAULTS]
    policy = block.get("CSP", {})
    if not isinstance(policy, dict) or not all(
        sources is None or (isinstance(sources, (list, tuple)) and all(isinstance(s, str) for s in sources))
        for sources in policy.values()
    ):
        problems.append("CSP must map directive names to lists of sources (or None)")
    return [checks.Error(f"APIAUTH['SECURITY_HEADERS']: {problem}.", id="apiauth.E043") for problem in problems]


def check_https_deploy(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W040 HTTPS requirement off with no trusted proxy header; W041 a refresh cookie without ``Secure``."""
    messages: CheckResult = []
    user = conf.user_settings()
    if user.get("REQUIRE_HTTPS", True) is False and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        messages.append(
            checks.Warning(
                "APIAUTH['REQUIRE_HTTPS'] is off and SECURE_PROXY_SSL_HEADER is not set: credentials may travel "
                "over plain HTTP.",
                hint="Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER; otherwise keep REQUIRE_HTTPS on.",
                id="apiauth.W040",
            )
        )
    if user.get("REFRESH_TOKEN_TRANSPORT", "body") in ("cookie", "both") and settings.DEBUG:
        messages.append(
            checks.Warning(
                "The refresh-token cookie is not Secure (DEBUG is on): it would be sent over plain HTTP.",
                hint="Turn DEBUG off in production; the cookie is Secure whenever DEBUG is off.",
                id="apiauth.W041",
            )
        )
    return messages


HTTP_CHECKS: list[Callable[..., CheckResult]] = [
    check_cors_shape,
    check_cors_wildcard,
    check_cors_single_source,
    check_security_headers_shape,
]
HTTP_DEPLOY_CHECKS: list[Callable[..., CheckResult]] = [check_https_deploy]
