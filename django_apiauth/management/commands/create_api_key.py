"""``manage.py create_api_key --user U --name N [--scopes a,b] [--expires 90d|never]``: print a new key once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_apiauth.api_keys.service import create_api_key
from django_apiauth.api_keys.validation import Lifetime
from django_apiauth.durations import parse_duration
from django_apiauth.exceptions import ApiAuthError


class Command(BaseCommand):
    help = (
        "Create an API key for a user and print it once (only its hash is stored). Scopes must be listed in "
        "APIAUTH['API_KEY_SCOPES']; the default lifetime is APIAUTH['API_KEY_DEFAULT_LIFETIME']."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username of the owner; the key acts as this user.")
        parser.add_argument("--name", required=True, help="A label such as 'ci-deploy'.")
        parser.add_argument("--scopes", default="", help="Comma-separated scopes, e.g. read,write.")
        parser.add_argument("--expires", help='Lifetime such as 90d or 12h, or "never" (default: the setting).')

    def handle(self, *args: Any, **options: Any) -> None:
        owner = self._owner(options["user"])
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            issued = create_api_key(
                owner=owner,
                name=options["name"],
                scopes=scopes,
                lifetime=self._lifetime(options["expires"]),
                source="command",
            )
        except ApiAuthError as exc:
            raise CommandError(exc.description) from exc
        expiry = issued.key.expires_at.isoformat() if issued.key.expires_at else "never"
        self.stderr.write(f"Created API key {issued.key.pk} for {owner.get_username()} (expires: {expiry}).")
        self.stderr.write("Store it now; it cannot be shown again:")
        self.stdout.write(issued.plaintext)

    @staticmethod
    def _owner(username: str) -> Any:
        user_model = get_user_model()
        try:
            return user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist as exc:
            raise CommandError(f"No user with username {username!r}.") from exc

    @staticmethod
    def _lifetime(text: str | None) -> Lifetime:
        if text is None:
            return "default"
        if text.strip().lower() == "never":
            return None
        try:
            return parse_duration(text)
        except (ValueError, OverflowError) as exc:
            raise CommandError(f"--expires: {exc}") from exc
