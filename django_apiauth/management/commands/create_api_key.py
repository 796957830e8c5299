"""``manage.py create_api_key (--user U | --service S) --name N [--scopes a,b] [--expires 90d|never]``.

Prints the new key once on stdout (everything else goes to stderr, so ``KEY=$(manage.py create_api_key ...)``
captures only the key).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_apiauth.api_keys.service import IssuedKey, create_api_key, create_service_key
from django_apiauth.api_keys.validation import Lifetime
from django_apiauth.durations import parse_duration
from django_apiauth.exceptions import ApiAuthError


class Command(BaseCommand):
    help = (
        "Create an API key for a user (it acts as them) or for a named service (it acts as nobody and carries "
        "only its scopes), and print it once (only its hash is stored). Scopes must be registered in "
        "APIAUTH['SCOPES']; the default lifetime is APIAUTH['API_KEY_DEFAULT_LIFETIME']."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        field = get_user_model().USERNAME_FIELD
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument(
            "--user",
            help=f"The owner, matched on the user model's USERNAME_FIELD ({field}), case-insensitively when "
            "that finds exactly one user; the key acts as this user.",
        )
        owner.add_argument("--service", help="A service name (e.g. nightly-export) for a key with no user owner.")
        parser.add_argument("--name", required=True, help="A label such as 'ci-deploy'.")
        parser.add_argument("--scopes", default="", help="Comma-separated scopes, e.g. read,write.")
        parser.add_argument("--expires", help='Lifetime such as 90d or 12h, or "never" (default: the setting).')

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        lifetime = self._lifetime(options["expires"])
        try:
            if options["service"] is not None:
                issued = create_service_key(
                    service=options["service"], name=options["name"], scopes=scopes, lifetime=lifetime, source="command"
                )
                holder = f"service {issued.key.service}"
            else:
                owner = self._owner(options["user"])
                issued = create_api_key(
                    owner=owner, name=options["name"], scopes=scopes, lifetime=lifetime, source="command"
                )
                holder = owner.get_username()
        except ApiAuthError as exc:
            raise CommandError(exc.description) from exc
        self._print(issued, holder)

    def _print(self, issued: IssuedKey, holder: str) -> None:
        expiry = issued.key.expires_at.isoformat() if issued.key.expires_at else "never"
        self.stderr.write(f"Created API key {issued.key.pk} for {holder} (expires: {expiry}).")
        self.stderr.write("Store it now; it cannot be shown again:")
        self.stdout.write(issued.plaintext)

    @staticmethod
    def _owner(value: str) -> Any:
        """The exact ``USERNAME_FIELD`` match, else the one case-insensitive match; several is an error."""
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        manager = user_model._default_manager
        try:
            return manager.get_by_natural_key(value)
        except user_model.DoesNotExist:
            pass
        matches = list(manager.filter(**{f"{field}__iexact": value})[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise CommandError(f"Several users match {value!r} on {field} but for case; give it exactly.")
        raise CommandError(f"No user with {field} {value!r}.")

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
