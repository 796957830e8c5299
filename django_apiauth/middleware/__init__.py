"""Middleware of django-apiauth: security headers, HTTPS and CORS policy; authentication for non-DRF views.

``SecurityHeadersMiddleware`` goes right after Django's ``SecurityMiddleware`` and before
``corsheaders.middleware.CorsMiddleware``; ``AuthenticationMiddleware`` after Django's own
``AuthenticationMiddleware``. Both are sync and async capable.
"""

from __future__ import annotations

from django_apiauth.middleware.authentication import AuthenticationMiddleware
from django_apiauth.middleware.security import SecurityHeadersMiddleware

__all__ = ["AuthenticationMiddleware", "SecurityHeadersMiddleware"]
