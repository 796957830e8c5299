"""API keys in the admin: create (the key is shown once, in the success message), revoke, inspect.

The secret and its hash are never part of any form, list or history entry; creation and revocation go through
``api_keys.service`` like every other caller.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.admin.api_key_forms import APIKeyAddForm, APIKeyChangeForm
from django_apiauth.api_keys.format import display_prefix
from django_apiauth.api_keys.service import create_api_key, create_service_key, revoke_api_keys
from django_apiauth.conf import apiauth_settings
from django_apiauth.models.api_keys import APIKey, APIKeyState


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, str(state.label)) for state in APIKeyState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        live = Q(revoked_at__isnull=True)
        if self.value() == APIKeyState.REVOKED:
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == APIKeyState.EXPIRED:
            return queryset.filter(live, expires_at__lte=now)
        if self.value() == APIKeyState.ACTIVE:
            return queryset.filter(live).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        return queryset


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin[APIKey]):
    list_display = (
        "name",
        "owner",
        "service",
        "key_prefix",
        "scope_list",
        "state",
        "expires_at",
        "last_used_at",
        "created_at",
    )
    list_filter = (StateFilter, ("created_at", admin.DateFieldListFilter))
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    actions = ("revoke_selected",)
    add_fields = ("owner", "service", "name", "scopes", "lifetime")
    change_fields = (
        "name", "key_prefix", "owner", "service", "scopes", "state", "expires_at", "created_at", "last_used_at",
        "rotated_at", "previous_secret_expires_at", "revoked_at",
    )  # fmt: skip
    readonly_fields = (
        "key_prefix", "owner", "service", "state", "created_at", "last_used_at", "rotated_at",
        "previous_secret_expires_at", "revoked_at",
    )  # fmt: skip

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return ["name", "lookup_id", "service", f"owner__{get_user_model().USERNAME_FIELD}"]

    def get_form(self, request: HttpRequest, obj: APIKey | None = None, change: bool = False, **kwargs: Any) -> Any:
        base = APIKeyChangeForm if obj is not None else APIKeyAddForm
        kwargs["form"] = type(base.__name__, (base,), {"actor": request.user})
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: APIKey | None = None) -> tuple[str, ...]:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: APIKey | None = None) -> Any:
        return self.change_fields if obj is not None else self.add_fields

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        common = {"name": data["name"], "scopes": data["scopes"], "lifetime": data["lifetime"], "request": request}
        if data.get("service"):
            issued = create_service_key(service=data["service"], actor=request.user, source="admin", **common)
        else:
            issued = create_api_key(owner=data["owner"], actor=request.user, source="admin", **common)
        self.message_user(
            request,
            f"API key “{issued.key.name}” created. Copy it now, it will not be shown again: {issued.plaintext}",
            messages.SUCCESS,
        )
        return issued.key

    def save_model(self, request: HttpRequest, obj: APIKey, form: Any, change: bool) -> None:
        if change:  # a new key was already saved by the service in ``save_form``
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:  # a new key has no related objects, and its form was never saved
            super().save_related(request, form, formsets, change)

    @admin.action(description="Revoke selected API keys")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[APIKey]) -> None:
        revoked = revoke_api_keys(queryset, request=request, actor=request.user, source="admin")
        self.message_user(request, f"Revoked {len(revoked)} API key(s).", messages.SUCCESS)

    @admin.display(description="key")
    def key_prefix(self, obj: APIKey) -> str:
        return display_prefix(apiauth_settings.API_KEY_PREFIX, obj.lookup_id)

    @admin.display(description="scopes")
    def scope_list(self, obj: APIKey) -> str:
        return ", ".join(obj.scopes) if isinstance(obj.scopes, list) else ""

    @admin.display(description="state")
    def state(self, obj: APIKey) -> str:
        return str(obj.state.label)
