"""Admin forms for API keys: the same rules as the service, reported as form errors instead of 4xx bodies."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django import forms
from django.utils import timezone

from django_apiauth.api_keys.scopes import grantable_scopes, normalise_scopes
from django_apiauth.api_keys.service import plan_key_update
from django_apiauth.api_keys.validation import Lifetime, check_limit, clean_name, clean_service, expiry_for
from django_apiauth.durations import parse_duration
from django_apiauth.exceptions import ApiAuthError
from django_apiauth.models.api_keys import APIKey

T = TypeVar("T")


def _as_form_error(check: Callable[[], T]) -> T:
    try:
        return check()
    except ApiAuthError as exc:
        raise forms.ValidationError(exc.description) from exc


class ScopesField(forms.CharField):
    """Scopes as comma- or space-separated text; validated against ``API_KEY_SCOPES``."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        scopes = [s for s in text.replace(",", " ").split() if s]
        return _as_form_error(lambda: normalise_scopes(scopes))


class APIKeyAddForm(forms.ModelForm[APIKey]):
    #: The admin user creating the key; set by ``APIKeyAdmin.get_form`` (``None``: no actor restrictions).
    actor: Any = None
    scopes = ScopesField(required=False, help_text="Comma-separated, e.g. read, write.")
    lifetime = forms.CharField(
        required=False,
        max_length=32,
        help_text='Such as 90d or 12h; "never" for no expiry; empty for the default lifetime.',
    )

    class Meta:
        model = APIKey
        fields = ("owner", "service", "name", "scopes")
        help_texts = {"service": "Instead of an owner: a key for a service, job or partner with no user account."}

    def clean(self) -> dict[str, Any]:
        """A key has exactly one of an owner and a service (the database holds the same rule)."""
        data = super().clean() or {}
        has_owner, has_service = data.get("owner") is not None, bool(data.get("service"))
        if has_owner == has_service and "owner" not in self.errors and "service" not in self.errors:
            # On a field: a field in error also keeps Django from validating the model's constraint, which would
            # repeat the refusal in the words of the database constraint's name.
            self.add_error("owner", "Choose an owner or name a service: exactly one of the two.")
        return data

    def clean_service(self) -> str:
        text = (self.cleaned_data.get("service") or "").strip()
        return _as_form_error(lambda: clean_service(text)) if text else ""

    def clean_name(self) -> str:
        return _as_form_error(lambda: clean_name(self.cleaned_data.get("name", "")))

    def clean_lifetime(self) -> Lifetime:
        text = (self.cleaned_data.get("lifetime") or "").strip().lower()
        lifetime: Lifetime = "default" if not text else None if text == "never" else self._duration(text)
        _as_form_error(lambda: expiry_for(lifetime, timezone.now()))
        return lifetime

    def clean_owner(self) -> Any:
        owner = self.cleaned_data["owner"]  # only called once the field itself is valid
        if owner is None:
            return None  # a service key: ``clean`` checks that a service is named
        _as_form_error(lambda: check_limit(owner, timezone.now()))
        if _outranks(owner, self.actor):
            # "add API key" alone must not let a clerk become a superuser.
            raise forms.ValidationError("Only superusers may create keys for staff members or superusers.")
        return owner

    def clean_scopes(self) -> list[str]:
        """Non-superusers may only grant scopes they hold themselves (the rule of ``api_keys.scopes``)."""
        scopes: list[str] = self.cleaned_data.get("scopes") or []
        actor = self.actor
        if actor is not None and not actor.is_superuser:
            _as_form_error(lambda: normalise_scopes(scopes, grantable_scopes(actor)))
        return scopes

    @staticmethod
    def _duration(text: str) -> timedelta:
        try:
            return parse_duration(text)
        except (ValueError, OverflowError) as exc:
            raise forms.ValidationError('Use a duration such as 90d or 12h, or "never".') from exc


def _outranks(owner: Any, actor: Any) -> bool:
    """A key acts as its owner: a non-superuser must not mint or widen keys of staff or superusers.

    A service key has no owner to outrank: what it may carry is bounded by the actor's own scopes instead.
    """
    if owner is None or actor is None or actor.is_superuser or owner == actor:
        return False
    return bool(owner.is_staff or owner.is_superuser)


class APIKeyChangeForm(forms.ModelForm[APIKey]):
    """Edits name, scopes and expiry through ``api_keys.service`` (``plan_key_update`` reports the errors here)."""

    #: The admin user editing the key; set by ``APIKeyAdmin.get_form`` (``None``: no actor restrictions).
    actor: Any = None
    scopes = ScopesField(required=False, help_text="Comma-separated, e.g. read, write.")

    class Meta:
        model = APIKey
        fields = ("name", "scopes", "expires_at")

    def clean_expires_at(self) -> datetime | None:
        """The form shows whole seconds; an expiry left as shown is the stored one, not a change."""
        value: datetime | None = self.cleaned_data.get("expires_at")
        stored = self.instance.expires_at
        if value is not None and stored is not None and value == stored.replace(microsecond=0):
            return stored
        return value

    def may_grant(self) -> Collection[str] | None:
        """Scopes the actor may add to a key (``None``: any known scope, for superusers)."""
        actor = self.actor
        return None if actor is None or actor.is_superuser else grantable_scopes(actor)

    def clean_scopes(self) -> list[str]:
        """A non-superuser must not widen keys of staff members or superusers: a key acts as its owner."""
        scopes: list[str] = self.cleaned_data.get("scopes") or []
        added = [scope for scope in scopes if scope not in (self.instance.scopes or [])]
        if added and _outranks(self.instance.owner, self.actor):
            raise forms.ValidationError("Only superusers may widen keys of staff members or superusers.")
        return scopes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            _as_form_error(
                lambda: plan_key_update(
                    self.instance,
                    name=data["name"],
                    scopes=data["scopes"],
                    expires_at=data["expires_at"],
                    may_grant=self.may_grant(),
                )
            )
        return data
