"""API keys in the admin: create (the key is shown once, on the response to the POST), edit, revoke, delete.

The secret and its hash are never part of any form, list, message or history entry. The plaintext is rendered
on the page answering the creating POST and nowhere else: not in a redirect, not in Django's messages (whose
cookie storage is signed, not encrypted). Creation, edits, revocation and deletion go through
``api_keys.service`` like every other caller, so each records its event.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from django_apiauth.admin.api_key_forms import APIKeyAddForm, APIKeyChangeForm
from django_apiauth.admin.shown_once import ShownOnce
from django_apiauth.api_keys.format import display_prefix
from django_apiauth.api_keys.service import (
    IssuedKey,
    create_api_key,
    create_service_key,
    delete_api_keys,
    revoke_api_keys,
    update_api_key,
)
from django_apiauth.conf import apiauth_settings
from django_apiauth.models.api_keys import APIKey, APIKeyState, state_filter

#: The key created by a request, from ``save_form`` to ``response_add`` of the same request; weak, so the
#: plaintext dies with the request even if rendering fails.
_issued_keys: WeakKeyDictionary[HttpRequest, IssuedKey] = WeakKeyDictionary()


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(state.value, str(state.label)) for state in APIKeyState]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in APIKeyState.values:
            return queryset
        return queryset.filter(state_filter(APIKeyState(value), timezone.now()))


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
        """The service writes the key; the model admin's own ``save_model`` has nothing left to do."""
        data = form.cleaned_data
        if change:
            return update_api_key(
                form.instance.pk,
                name=data["name"],
                scopes=data["scopes"],
                expires_at=data["expires_at"],
                may_grant=form.may_grant(),
                request=request,
                actor=request.user,
                source="admin",
            )
        common = {"name": data["name"], "scopes": data["scopes"], "lifetime": data["lifetime"], "request": request}
        if data.get("service"):
            issued = create_service_key(service=data["service"], actor=request.user, source="admin", **common)
        else:
            issued = create_api_key(owner=data["owner"], actor=request.user, source="admin", **common)
        _issued_keys[request] = issued
        return issued.key

    def save_model(self, request: HttpRequest, obj: APIKey, form: Any, change: bool) -> None:
        """Nothing to save: ``save_form`` went through the service."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A key has no related objects edited here."""

    def response_add(self, request: HttpRequest, obj: APIKey, post_url_continue: str | None = None) -> HttpResponse:
        """The one response that carries the new key: rendered here, never redirected through a message."""
        issued = _issued_keys.pop(request, None)
        if issued is None:  # pragma: no cover - save_form always runs before response_add in the add view
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API key created",
            "key": issued.key,
            "plaintext": ShownOnce(issued.plaintext),
        }
        response = TemplateResponse(request, "admin/apiauth/apikey/key_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def delete_model(self, request: HttpRequest, obj: APIKey) -> None:
        delete_api_keys(APIKey.objects.filter(pk=obj.pk), request=request, actor=request.user, source="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[APIKey]) -> None:
        delete_api_keys(queryset, request=request, actor=request.user, source="admin")

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
