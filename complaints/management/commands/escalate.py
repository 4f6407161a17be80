from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints import escalation
from params import parse_moment
from routing import live


class Command(BaseCommand):
    help = "Remind agencies before their deadlines and escalate complaints past them (workers do it periodically)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the moment to sweep at (ISO 8601), for trials; default: now")

    def handle(self, *args, **opts):
        now = timezone.now()
        if opts["now"]:
            now = parse_moment(opts["now"])
            if now is None:
                raise CommandError("--now: an ISO 8601 date-time, e.g. 2026-12-01T09:00:00+07:00")
        done = escalation.sweep(now, directory=live.directory.refresh())
        self.stdout.write(
            f"{len(done.reminded)} reminded, {len(done.escalated)} escalated, {len(done.at_top)} overdue at the top"
        )
