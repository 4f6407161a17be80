from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.models import IntakeKey, IssueError


class Command(BaseCommand):
    help = "Issue an API key for an intake system; the key is printed once and stored only as a hash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--rate", default="", help="own request limit, e.g. 120/min")

    def handle(self, *args: str, **opts: Any) -> None:
        try:
            record, key = IntakeKey.objects.issue(opts["name"], opts["rate"])
        except IssueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)
        self.stderr.write(f"issued key {record.prefix}… for {record.name}; revoke it in the admin")
