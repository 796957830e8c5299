"""``manage.py prune_refresh_tokens``: delete refresh-token families that ended long enough ago."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_apiauth.durations import parse_duration
from django_apiauth.refresh.retention import prune_families


class Command(BaseCommand):
    help = "Delete refresh-token families (and their tokens) revoked or expired more than --older-than ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", default="7d", help="Age threshold such as 7d or 12h (default 7d).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")
        parser.add_argument("--batch-size", type=int, default=500, help="Families per DELETE (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            age = parse_duration(options["older_than"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        cutoff = timezone.now() - age
        deleted = prune_families(cutoff, batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        noun = "family" if deleted == 1 else "families"
        self.stdout.write(f"{verb} {deleted} refresh-token {noun} ended before {cutoff:%Y-%m-%d %H:%M:%S %Z}.")
