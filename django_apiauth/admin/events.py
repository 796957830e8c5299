"""Read-only audit trail in the admin: events are evidence, nobody edits them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from django_apiauth.lockout.unlock import unlock_account, unlock_network
from django_apiauth.models.events import AuthEvent, EventType


class SuspiciousKindFilter(admin.SimpleListFilter):
    """The detectors' events by ``kind`` (credential stuffing, new device, ...)."""

    title = "suspicious activity"
    parameter_name = "suspicious"
    KINDS = (
        ("credential_stuffing", "Credential stuffing / spraying"),
        ("distributed_guessing", "Distributed guessing"),
        ("new_device", "New device"),
        ("refresh_token_reuse", "Refresh-token reuse"),
        ("api_key_new_network", "API key from a new network"),
    )

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return (("any", "Any"), *self.KINDS)

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuthEvent]) -> QuerySet[AuthEvent]:
        value = self.value()
        if value is None:
            return queryset
        suspicious = queryset.filter(type=EventType.SUSPICIOUS_ACTIVITY)
        return suspicious if value == "any" else suspicious.filter(details__kind=value)


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin[AuthEvent]):
    list_display = ("created_at", "type", "user", "client_ip", "count", "last_seen_at")
    list_filter = (
        "type",
        SuspiciousKindFilter,
        ("created_at", admin.DateFieldListFilter),
        ("user", admin.RelatedOnlyFieldListFilter),
    )
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    actions = ["unlock"]
    readonly_fields = (
        "type", "created_at", "last_seen_at", "user", "client_ip", "user_agent", "details", "count",
    )  # fmt: skip

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # The user model's own login field: a custom model (email as USERNAME_FIELD) has no ``username``.
        return [f"user__{get_user_model().USERNAME_FIELD}", "client_ip"]

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
