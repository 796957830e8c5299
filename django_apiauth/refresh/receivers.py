"""Ending a user's logins when their account changes: deactivation or a new password.

A stolen refresh token must die with the password the thief may have used to get it. Django sends no
"password changed" signal, but ``AbstractBaseUser.set_password`` keeps the new raw password in
``_password`` until ``save()`` returns, so ``post_save`` can tell a real change from a hash upgrade at
login (which clears ``_password`` before saving). Assigning ``user.password`` directly is not detected:
use ``set_password``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save

from django_apiauth.models.refresh import RevocationReason
from django_apiauth.refresh.revocation import revoke_user_families


def revoke_on_account_change(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """``post_save`` of the user model: revoke every family of a deactivated user or a new password."""
    if created:
        return
    if getattr(instance, "is_active", True) is False:
        revoke_user_families(instance, RevocationReason.USER_DEACTIVATED)
    elif getattr(instance, "_password", None) is not None:
        revoke_user_families(instance, RevocationReason.PASSWORD_CHANGED)


def connect() -> None:
    post_save.connect(
        revoke_on_account_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="apiauth.refresh.account_change"
    )
