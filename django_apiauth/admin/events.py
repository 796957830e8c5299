"""Read-only audit trail in the admin: events are evidence, nobody edits them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from django_apiauth.lockout.unlock import unlock_account, unlock_network
from django_apiauth.models.events import AuthEvent, EventType


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
    actions = ["unlock"]
    readonly_fields = (
        "type", "created_at", "last_seen_at", "user", "client_ip", "user_agent", "details", "count",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        """Lifting a lockout overrides a security control: superusers only."""
        return bool(getattr(request.user, "is_superuser", False))

    @admin.action(description="Unlock the accounts and networks of the selected lockout events", permissions=["unlock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AuthEvent]) -> None:
        """Clears the brute-force counters named by ``lockout`` events (the hashed account, the client IP)."""
        accounts: set[str] = set()
        networks: set[str] = set()
        for event in queryset.filter(type=EventType.LOCKOUT):
            account = event.details.get("account") if isinstance(event.details, dict) else None
            if isinstance(account, str):
                accounts.add(account)
            if event.client_ip:
                networks.add(event.client_ip)
        for account in sorted(accounts):
            unlock_account(hashed=account, request=request, actor=request.user)
        for network in sorted(networks):
            unlock_network(network, request=request, actor=request.user)
        self.message_user(
            request, f"Unlocked {len(accounts)} account(s) and {len(networks)} network(s).", messages.SUCCESS
        )
