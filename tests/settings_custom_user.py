"""The test settings with a custom user model: email as ``USERNAME_FIELD`` and a UUID primary key.

``DJANGO_SETTINGS_MODULE=tests.settings_custom_user make test`` runs the whole suite with it (CI does).
"""

from __future__ import annotations

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.custom_user"]  # noqa: F405
AUTH_USER_MODEL = "custom_user.EmailUser"
