from __future__ import annotations

import django_stubs_ext
from django.apps import AppConfig

# Lets admin and queryset classes be subscripted at runtime (``ModelAdmin[Model]``) for precise typing.
django_stubs_ext.monkeypatch()


class ApiAuthConfig(AppConfig):
    """App config; ``ready`` wires checks and receivers so importing models has no side effects."""

    name = "django_apiauth"
    label = "apiauth"
    verbose_name = "API authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_apiauth import checks, receivers

        checks.register_all()
        receivers.connect_all()
        from django_apiauth import openapi

        openapi.register_extensions()
