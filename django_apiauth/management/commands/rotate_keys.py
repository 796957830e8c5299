"""``manage.py rotate_keys``: rotate, retire and list signing keys; safe to run from cron.

Without action flags it rotates now. ``--if-older-than 30d`` / ``--if-due`` rotate only when the active key
is that old; ``--retire-expired`` retires keys whose tokens have all expired; ``--reencrypt`` re-encrypts
private keys and TOTP secrets under the first ``KEY_ENCRYPTION_KEYS`` entry; ``--list`` prints the keys.
Exit status: 0 when the work is done or nothing was due, 1 on an error (message on stderr), 2 on bad arguments.
"""

from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto.encryption import KeyDecryptionError
from django_apiauth.crypto.keys import SUPPORTED_ALGORITHMS, UnsupportedAlgorithm, check_algorithm
from django_apiauth.durations import parse_duration
from django_apiauth.mfa.reencryption import count_totp_secrets, reencrypt_totp_secrets
from django_apiauth.signing_keys.reencryption import keys_to_reencrypt, reencrypt_private_keys
from django_apiauth.signing_keys.retirement import expired_retiring_keys, retire_expired
from django_apiauth.signing_keys.rotation import all_keys, rotate, rotation_due

_COLUMNS = (("kid", 44), ("algorithm", 9), ("state", 8), ("created", 16), ("activated", 16))


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def _age(text: str) -> timedelta:
    """A malformed duration is a usage error, so argparse reports it and exits 2 as documented."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ArgumentTypeError(str(exc)) from None


class Command(BaseCommand):
    help = "Rotate JWT signing keys (zero downtime), retire expired ones, re-encrypt or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm", choices=SUPPORTED_ALGORITHMS, help="Algorithm to rotate (default: JWT_ALGORITHM)."
        )
        due = parser.add_mutually_exclusive_group()
        due.add_argument(
            "--if-older-than", metavar="AGE", type=_age, help="Rotate only if the active key is this old (30d)."
        )
        due.add_argument("--if-due", action="store_true", help="Same with SIGNING_KEY_ROTATION_PERIOD.")
        parser.add_argument("--retire-expired", action="store_true", help="Retire keys whose tokens all expired.")
        parser.add_argument("--reencrypt", action="store_true", help="Re-encrypt private keys (new first key).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done; change nothing.")
        parser.add_argument("--list", action="store_true", help="Print the keys (after any other action).")

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = self._threshold(options)
        actions = options["retire_expired"] or options["reencrypt"] or options["list"]
        dry_run: bool = options["dry_run"]
        try:
            algorithm = check_algorithm(options["algorithm"] or apiauth_settings.JWT_ALGORITHM)
            if threshold is not None or not actions:
                self._rotate(algorithm, threshold, dry_run)
            if options["retire_expired"]:
                self._retire_expired(dry_run)
            if options["reencrypt"]:
                self._reencrypt(dry_run)
        except (UnsupportedAlgorithm, KeyDecryptionError) as exc:
            raise CommandError(str(exc)) from exc
        if options["list"]:
            self._list()

    @staticmethod
    def _threshold(options: dict[str, Any]) -> timedelta | None:
        if options["if_due"]:
            return apiauth_settings.SIGNING_KEY_ROTATION_PERIOD
        age: timedelta | None = options["if_older_than"]
        return age

    def _rotate(self, algorithm: str, threshold: timedelta | None, dry_run: bool) -> None:
        if dry_run:
            due = rotation_due(algorithm, threshold)
            self.stdout.write(f"{algorithm}: {'would rotate' if due else 'rotation not due'} (dry run).")
            return
        result = rotate(algorithm, if_older_than=threshold)
        if not result.rotated:
            self.stdout.write(f"{algorithm}: rotation not due; {result.active.kid} keeps signing.")
            return
        retiring = f"; {result.retiring.kid} is retiring" if result.retiring else ""
        upcoming = f"; next: {result.next.kid}" if result.next else ""
        self.stdout.write(self.style.SUCCESS(f"{algorithm}: {result.active.kid} now signs{retiring}{upcoming}."))

    def _retire_expired(self, dry_run: bool) -> None:
        if dry_run:
            kids = list(expired_retiring_keys().values_list("kid", flat=True))
            self.stdout.write(f"Would retire {len(kids)} key(s){': ' + ', '.join(kids) if kids else ''} (dry run).")
            return
        retired = retire_expired()
        names = ", ".join(key.kid for key in retired)
        self.stdout.write(f"Retired {len(retired)} key(s){': ' + names if names else ''}.")

    def _reencrypt(self, dry_run: bool) -> None:
        if dry_run:
            count = keys_to_reencrypt().count()
            secrets = count_totp_secrets()
            self.stdout.write(f"Would re-encrypt {count} private key(s) and {secrets} TOTP secret(s) (dry run).")
            return
        count = reencrypt_private_keys()
        secrets = reencrypt_totp_secrets()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {count} private key(s) and {secrets} TOTP secret(s) under the first key.")
        )

    def _list(self) -> None:
        self.stdout.write("  ".join(name.ljust(width) for name, width in _COLUMNS).rstrip())
        for key in all_keys():
            cells = (key.kid, key.algorithm, key.state, _when(key.created_at), _when(key.activated_at))
            self.stdout.write("  ".join(c.ljust(w) for c, (_n, w) in zip(cells, _COLUMNS, strict=True)).rstrip())
