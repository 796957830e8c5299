"""``manage.py create_oauth_client --name N --type {public,confidential} --redirect-uri U --grant-type G
[--scopes "a b"] [--may-introspect] [--json]``: register a client and print its secret once."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_apiauth.models.oauth import ClientType, GrantType
from django_apiauth.oauth.clients import create_client


class Command(BaseCommand):
    help = (
        "Register an OAuth 2.0 client and print its client_id and, for a confidential client, its secret "
        "(shown once: only a keyed hash is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Shown to users on the consent page.")
        parser.add_argument("--type", required=True, choices=ClientType.values, dest="client_type")
        parser.add_argument(
            "--redirect-uri", action="append", default=[], dest="redirect_uris", help="Repeatable; exact match."
        )
        parser.add_argument(
            "--grant-type", action="append", default=[], dest="grant_types", choices=GrantType.values,
            help="Repeatable. authorization_code includes refresh tokens.",
        )  # fmt: skip
        parser.add_argument("--scopes", default="", help='Space-separated scopes the client may ask for: "a b".')
        parser.add_argument("--may-introspect", action="store_true", help="A resource server: may introspect "
                            "tokens issued to other clients.")  # fmt: skip
        parser.add_argument("--json", action="store_true", help='Print {"client_id", "client_secret"} as JSON.')

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            new = create_client(
                name=options["name"],
                client_type=options["client_type"],
                redirect_uris=options["redirect_uris"],
                grant_types=options["grant_types"],
                scopes=options["scopes"].split(),
                may_introspect=options["may_introspect"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result = {"client_id": new.client.client_id}
        if new.secret:
            result["client_secret"] = new.secret
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for name, value in result.items():
            self.stdout.write(f"{name}: {value}")
        if new.secret:
            self.stderr.write("Store the secret now: it cannot be shown again.")
