"""Refresh-token families in the admin: who is signed in where, and a way to end it.

Everything is read-only: a family changes state only through the revocation service (the "Revoke selected"
action), and token digests are never displayed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timesince

from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily
from django_apiauth.refresh.revocation import revoke_families_by_admin


class RefreshTokenInline(admin.TabularInline[RefreshToken, RefreshTokenFamily]):
    model = RefreshToken
    fk_name = "family"
    fields = ("id", "parent", "issued_at", "expires_at", "used_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RefreshTokenFamily)
class RefreshTokenFamilyAdmin(admin.ModelAdmin[RefreshTokenFamily]):
    list_display = ("public_id", "user", "state", "age", "idle_for", "absolute_expires_at", "ip_address")
    list_filter = ("revoked_reason", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("user",)
    readonly_fields = (
        "public_id", "user", "client_id", "scope", "created_at", "last_used_at", "absolute_expires_at",
        "revoked_at", "revoked_reason", "ip_address", "user_agent", "amr", "auth_time",
    )  # fmt: skip
    inlines = [RefreshTokenInline]
    actions = ["revoke_selected"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # The user model's own login field: a custom model (email as USERNAME_FIELD) has no ``username``.
        return [f"user__{get_user_model().USERNAME_FIELD}", "public_id", "ip_address"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the rows are the evidence of who was signed in where

    @admin.display(description="state")
    def state(self, family: RefreshTokenFamily) -> str:
        if family.revoked_at is not None:
            return f"revoked ({family.get_revoked_reason_display()})"
        return "expired" if family.absolute_expires_at <= timezone.now() else "active"

    @admin.display(description="age", ordering="created_at")
    def age(self, family: RefreshTokenFamily) -> str:
        return _since(family.created_at)

    @admin.display(description="last used", ordering="last_used_at")
    def idle_for(self, family: RefreshTokenFamily) -> str:
        return f"{_since(family.last_used_at)} ago"

    @admin.action(description="Revoke selected", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[RefreshTokenFamily]) -> None:
        sids = revoke_families_by_admin(queryset, request=request)
        self.message_user(request, f"Revoked {len(sids)} session(s).", messages.SUCCESS)


def _since(moment: datetime) -> str:
    return timesince(moment, timezone.now(), depth=1)
