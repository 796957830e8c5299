"""Second-factor devices in the admin: their state, and a "reset MFA" action; never a secret or a code.

The rows are read-only. Devices change only through the MFA services: the user's own endpoints, or the
reset action here (which records ``mfa_disabled`` naming the administrator). The encrypted secret and the
code digests are not among the displayed fields, not even read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from django_apiauth.mfa import backup_codes
from django_apiauth.mfa.enrolment import reset_mfa
from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice

_STATE = ("created_at", "last_used_at", "throttling_failure_count", "throttling_failure_timestamp")


class _DeviceAdmin(admin.ModelAdmin[Any]):
    list_select_related = ("user",)
    actions = ["reset_selected"]

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return (f"user__{get_user_model().USERNAME_FIELD}",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # "reset MFA" instead: it records who removed the second factor

    def has_reset_permission(self, request: HttpRequest) -> bool:
        """Removing a second factor is as strong as deleting the device: the model's delete permission."""
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")

    @admin.action(description="Reset MFA of the selected devices' users", permissions=["reset"])
    def reset_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        user_model = get_user_model()
        users = user_model._default_manager.filter(pk__in=queryset.values("user_id"))
        count = reset_mfa(list(users), request=request)
        self.message_user(request, f"MFA reset for {count} user(s).", messages.SUCCESS)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(_DeviceAdmin):
    list_display = ("user", "confirmed", *_STATE)
    list_filter = ("confirmed",)
    fields = ("user", "name", "confirmed", "digits", "step", *_STATE)
    readonly_fields = fields


@admin.register(BackupCodeDevice)
class BackupCodeDeviceAdmin(_DeviceAdmin):
    list_display = ("user", "remaining", *_STATE)
    fields = ("user", "name", "remaining", *_STATE)
    readonly_fields = fields

    @admin.display(description="codes left")
    def remaining(self, device: BackupCodeDevice) -> int:
        return backup_codes.remaining(device)
