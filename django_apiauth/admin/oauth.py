"""Admin for OAuth clients: the secret is shown once, on the very response that created or rotated it.

Never through Django's messages framework: its default storage is a cookie, and a secret in a cookie
leaves the server in more than one response.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables

from django_apiauth.admin.shown_once import ShownOnce
from django_apiauth.conf import apiauth_settings
from django_apiauth.models.oauth import ClientType, GrantType, OAuthClient, OAuthConsent
from django_apiauth.oauth.clients import create_client, rotate_secret, validate_registration
from django_apiauth.oauth.lifecycle import deactivate_clients, delete_clients

SECRET_TEMPLATE = "admin/apiauth/oauth_client_secret.html"  # noqa: S105 - a template name


class OAuthClientForm(forms.ModelForm[OAuthClient]):
    redirect_uris_text = forms.CharField(
        label="Redirect URIs", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line."
    )
    grant_types_choice = forms.MultipleChoiceField(
        label="Grant types", choices=GrantType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = OAuthClient
        fields = ["name", "client_type", "scope", "may_introspect", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["redirect_uris_text"].initial = "\n".join(self.instance.redirect_uris or [])
        self.fields["grant_types_choice"].initial = list(self.instance.grant_types or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uris = [line.strip() for line in data.get("redirect_uris_text", "").splitlines() if line.strip()]
        problems = validate_registration(
            client_type=data.get("client_type", ""),
            redirect_uris=uris,
            grant_types=data.get("grant_types_choice", []),
            scopes=data.get("scope", "").split(),
        )
        if problems:
            raise forms.ValidationError(problems)
        self.instance.redirect_uris = uris
        self.instance.grant_types = list(data.get("grant_types_choice", []))
        return data


@admin.register(OAuthClient)
class OAuthClientAdmin(admin.ModelAdmin[OAuthClient]):
    form = OAuthClientForm
    list_display = ["name", "client_id", "client_type", "is_active", "may_introspect", "created_at"]
    list_filter = ["client_type", "is_active"]
    search_fields = ["name", "client_id"]
    readonly_fields = ["client_id", "created_at", "previous_secret_expires_at"]
    actions = ["rotate_secrets", "deactivate_selected"]

    def get_fields(self, request: HttpRequest, obj: OAuthClient | None = None) -> Any:
        fields = ["name", "client_type", "redirect_uris_text", "grant_types_choice", "scope", "may_introspect"]
        fields.append("is_active")
        return fields if obj is None else ["client_id", *fields, "created_at", "previous_secret_expires_at"]

    @sensitive_variables("new")
    def save_model(self, request: HttpRequest, obj: OAuthClient, form: Any, change: bool) -> None:
        if change:
            deactivating = "is_active" in form.changed_data and not obj.is_active
            if deactivating:
                obj.is_active = True  # the service deactivates, ending the client's tokens and sessions
            super().save_model(request, obj, form, change)
            if deactivating:
                deactivate_clients([obj], request=request)
                obj.refresh_from_db()
            return
        new = create_client(
            name=obj.name,
            client_type=obj.client_type,
            redirect_uris=obj.redirect_uris,
            grant_types=obj.grant_types,
            scopes=obj.scope.split(),
            may_introspect=obj.may_introspect,
        )
        obj.pk, obj.client_id = new.client.pk, new.client.client_id
        request._apiauth_new_secret = ShownOnce(new.secret)  # type: ignore[attr-defined]  # this response only

    def delete_model(self, request: HttpRequest, obj: OAuthClient) -> None:
        delete_clients([obj], request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> None:
        delete_clients(queryset, request=request)

    @admin.action(description="Deactivate the selected clients (their tokens and sessions end)")
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> None:
        ended = deactivate_clients(queryset, request=request)
        self.message_user(request, f"Deactivated {len(ended)} client(s).")

    def response_add(self, request: HttpRequest, obj: OAuthClient, post_url_continue: str | None = None) -> Any:
        secret = getattr(request, "_apiauth_new_secret", "")
        if obj.client_type != ClientType.CONFIDENTIAL or not secret:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_page(request, [(obj, secret)], overlap=None)

    @admin.action(description="Rotate the secret of the selected confidential clients (old one kept for the overlap)")
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet[OAuthClient]) -> HttpResponse | None:
        rotated: list[tuple[OAuthClient, str]] = [
            (client, ShownOnce(rotate_secret(client))) for client in queryset if client.is_confidential
        ]
        if not rotated:
            self.message_user(request, "Only confidential clients have a secret.")
            return None
        return self._secret_page(request, rotated, overlap=apiauth_settings.OAUTH_CLIENT_SECRET_OVERLAP)

    def _secret_page(self, request: HttpRequest, pairs: list[tuple[OAuthClient, str]], overlap: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "secrets": [{"name": c.name, "client_id": c.client_id, "secret": ShownOnce(s)} for c, s in pairs],
            "overlap": overlap,
            "back_url": reverse("admin:apiauth_oauthclient_changelist"),
            "title": "OAuth client secret",
        }
        response = TemplateResponse(request, SECRET_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(OAuthConsent)
class OAuthConsentAdmin(admin.ModelAdmin[OAuthConsent]):
    list_display = ["user", "client", "scope", "created_at"]
    list_select_related = ["client", "user"]
    readonly_fields = ["user", "client", "scope", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
