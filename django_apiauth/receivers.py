"""Signal receivers the app connects in ``AppConfig.ready`` (features add theirs to ``connect_all``)."""

from __future__ import annotations


def connect_all() -> None:
    """Connect receivers; ``dispatch_uid`` makes repeated calls harmless."""
    from django_apiauth.api_keys import receivers as api_key_receivers
    from django_apiauth.jwt import receivers as jwt_receivers
    from django_apiauth.login import complete as login_receivers
    from django_apiauth.refresh import receivers as refresh_receivers

    _connect_signing_key_bootstrap()
    jwt_receivers.connect()
    refresh_receivers.connect()
    api_key_receivers.connect()
    login_receivers.connect()
    _connect_cors()


def _connect_cors() -> None:
    """``APIAUTH["CORS"]`` origins reach django-cors-headers through its ``check_request_enabled`` signal."""
    from corsheaders.signals import check_request_enabled

    from django_apiauth.http_security.cors import request_enabled

    check_request_enabled.connect(request_enabled, dispatch_uid="django_apiauth.http_security.cors")


def _connect_signing_key_bootstrap() -> None:
    """``migrate`` on an empty signing-key table creates the first key (``signing_keys.bootstrap``)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from django_apiauth.signing_keys.bootstrap import bootstrap_after_migrate

    post_migrate.connect(
        bootstrap_after_migrate,
        sender=apps.get_app_config("apiauth"),
        dispatch_uid="django_apiauth.signing_keys.bootstrap",
    )
