"""Read-only audit trail in the admin: events are evidence, nobody edits them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from django_apiauth.models.events import AuthEvent


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin[AuthEvent]):
    list_display = ("created_at", "type", "user", "client_ip", "count", "last_seen_at")
    list_filter = (
        "type",
        ("created_at", admin.DateFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("user__username", "client_ip")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = (
        "type", "created_at", "last_seen_at", "user", "client_ip", "user_agent", "details", "count",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
