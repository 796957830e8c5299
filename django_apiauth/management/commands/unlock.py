"""``manage.py unlock (--user NAME | --ip ADDR)``: clear the brute-force counters of an account or a network."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_apiauth.client_ip import parse_ip
from django_apiauth.exceptions import ApiAuthError
from django_apiauth.lockout.unlock import unlock_account, unlock_network


class Command(BaseCommand):
    help = (
        "Clear brute-force counters: --user NAME clears the account's (every network's waits on it, its "
        "account-wide lock and its MFA counter; NAME as typed at login, case-insensitive); --ip ADDR clears a "
        "network's (an IPv4 address, or the /64 of an IPv6 address). Exit status 2 on bad arguments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--user", help="The username (USERNAME_FIELD value) whose counters to clear.")
        group.add_argument("--ip", help="The client IP address whose network's counters to clear.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["user"] is not None:
                cleared = unlock_account(options["user"])
                target = f"user {options['user']!r}"
            else:
                if parse_ip(options["ip"]) is None:
                    raise CommandError(f"{options['ip']!r} is not an IP address.", returncode=2)
                cleared = unlock_network(options["ip"])
                target = f"network of {options['ip']}"
        except ApiAuthError as exc:  # the shared cache is down and LOCKOUT fails closed
            raise CommandError(exc.description, returncode=1) from exc
        self.stdout.write(f"Cleared {cleared} counter(s) for the {target}.")
