"""Signing keys in the admin: read-only rows, "Rotate now" and "Retire selected" actions.

Actions call the rotation service; nothing here changes a key's state itself. Private material is not a
field of any form or list (only the public JWK is shown).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timesince

from django_apiauth.conf import apiauth_settings
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.retirement import retire_keys, retirement_margin
from django_apiauth.signing_keys.rotation import is_due, rotate


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin[SigningKey]):
    list_display = ("kid", "algorithm", "state", "created_at", "age", "activated_at", "retiring_at", "retired_at")
    list_filter = ("state", "algorithm")
    search_fields = ("kid",)
    ordering = ("-created_at",)
    fields = (
        "kid", "algorithm", "state", "public_jwk", "created_at", "activated_at", "retiring_at", "retired_at",
    )  # fmt: skip
    readonly_fields = fields
    actions = ["rotate_now", "retire_selected"]

    @admin.display(description="age")
    def age(self, obj: SigningKey) -> str:
        text = timesince(obj.created_at, timezone.now())
        if obj.state == SigningKeyState.ACTIVE and is_due(obj, apiauth_settings.SIGNING_KEY_ROTATION_PERIOD):
            return f"{text} (rotation due)"
        return text

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are created by rotation only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire instead: deleting an in-use key would break its tokens

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Rotating and retiring need the model's change permission, though rows stay read-only."""
        return request.user.has_perm("apiauth.change_signingkey")

    @admin.action(description="Rotate now (algorithms of the selected keys)", permissions=["manage"])
    def rotate_now(self, request: HttpRequest, queryset: QuerySet[SigningKey]) -> None:
        for algorithm in sorted(set(queryset.values_list("algorithm", flat=True))):
            result = rotate(algorithm, request=request, actor=request.user)
            self.message_user(
                request,
                f"{algorithm}: {result.active.kid} now signs"
                + (f", {result.retiring.kid} is retiring" if result.retiring else "")
                + (f", {result.next.kid} is published as next." if result.next else "."),
                messages.SUCCESS,
            )

    @admin.action(description="Retire selected (stop verifying now)", permissions=["manage"])
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[SigningKey]) -> None:
        result = retire_keys(queryset.values_list("pk", flat=True), request=request, actor=request.user)
        for key in result.refused_active:
            self.message_user(
                request,
                f"{key.kid} is the only active {key.algorithm} key and was not retired: rotate first.",
                messages.ERROR,
            )
        if result.retired:
            self.message_user(request, f"Retired {len(result.retired)} key(s).", messages.SUCCESS)
        if result.early:
            lifetime = retirement_margin()
            self.message_user(
                request,
                f"{', '.join(result.early)} retired early: tokens they signed in the last "
                f"{_minutes(lifetime)} are refused from now on.",
                messages.WARNING,
            )


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} min"
