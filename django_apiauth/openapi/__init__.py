"""OpenAPI 3 descriptions of the app for drf-spectacular (``pip install django-apiauth[openapi]``).

Nothing to configure for the authentication schemes and the DRF endpoints: when drf-spectacular is importable,
``ApiAuthConfig.ready`` registers the extensions of this package. The endpoints that are plain Django views
(OAuth token, revocation, introspection and metadata, the JWKS, the authorization page) are invisible to
drf-spectacular's view discovery; add ``django_apiauth.openapi.hooks.add_plain_view_endpoints`` to
``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`` to describe them too.
"""

from __future__ import annotations

import importlib.util


def spectacular_installed() -> bool:
    """Whether the optional dependency is importable; nothing of this package is imported otherwise."""
    return importlib.util.find_spec("drf_spectacular") is not None


def register_extensions() -> None:
    """Import the extension modules, if drf-spectacular is installed: it registers each extension class when
    the class is defined. Without it, nothing is imported (the modules import drf-spectacular)."""
    if spectacular_installed():
        from django_apiauth.openapi import authentication, views  # noqa: F401
