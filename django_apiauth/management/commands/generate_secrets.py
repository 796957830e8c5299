"""``manage.py generate_secrets [--only encryption-key|pepper]``: fresh ``KEY_ENCRYPTION_KEYS`` entry and pepper.

The same output as ``python -m django_apiauth.generate_secrets``, which works before the settings can load.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from django_apiauth.generate_secrets import add_arguments, secret_lines


class Command(BaseCommand):
    help = (
        "Print a new Fernet key (APIAUTH_KEY_ENCRYPTION_KEY) and API-key pepper (APIAUTH_API_KEY_PEPPER) as "
        "NAME=value lines; --only prints one bare value. Nothing is stored."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        for line in secret_lines(options["only"]):
            self.stdout.write(line)
