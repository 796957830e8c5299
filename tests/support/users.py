"""Users of whatever model the project configures: the suite runs with Django's ``User`` and with an
email-as-username, UUID-keyed model, so tests never build users positionally."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import EmailField

PASSWORD = "correct horse battery staple"


def login_name(name: str) -> str:
    """The ``USERNAME_FIELD`` value a user called ``name`` gets: ``alice`` or ``alice@example.com``."""
    model = get_user_model()
    field = model._meta.get_field(model.USERNAME_FIELD)
    return f"{name}@example.com" if isinstance(field, EmailField) and "@" not in name else name


def create_user(name: str, password: str | None = PASSWORD, **extra: Any) -> Any:
    """A user of the configured model called ``name`` (see ``login_name``): what the ``make_user`` fixture
    does, for helpers that are not tests themselves."""
    model = get_user_model()
    fields = {model.USERNAME_FIELD: login_name(name), **extra}
    if model.USERNAME_FIELD != "email" and "email" not in fields and _has_field(model, "email"):
        fields["email"] = f"{name.split('@')[0]}@example.com"
    return model._default_manager.create_user(password=password, **fields)  # type: ignore[attr-defined]


def _has_field(model: Any, name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())
