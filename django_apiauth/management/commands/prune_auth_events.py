"""``manage.py prune_auth_events``: delete audit events past their retention, in small batches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_apiauth.conf import apiauth_settings
from django_apiauth.durations import parse_duration
from django_apiauth.events.retention import prune_events


class Command(BaseCommand):
    help = "Delete auth events older than the retention period (APIAUTH['EVENT_RETENTION'] by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", help="Age threshold such as 90d or 12h (default: EVENT_RETENTION).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per DELETE (default 1000).")

    def handle(self, *args: Any, **options: Any) -> None:
        age = self._age(options["older_than"])
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        cutoff = timezone.now() - age
        deleted = prune_events(cutoff, batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {deleted} auth event(s) older than {cutoff:%Y-%m-%d %H:%M:%S %Z}.")

    @staticmethod
    def _age(text: str | None) -> timedelta:
        if text is None:
            return apiauth_settings.EVENT_RETENTION
        try:
            return parse_duration(text)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
