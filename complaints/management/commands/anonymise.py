from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from complaints import retention, subject_access
from complaints.actors import Actor
from params import parse_moment


class Command(BaseCommand):
    help = (
        "Remove reporters' personal data from complaints closed longer than GEO_RETENTION_DAYS (the workers"
        " do it daily), or at once from one reporter's complaints (--contact)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the moment to judge the window at (ISO 8601), for trials; default: now")
        parser.add_argument("--contact", help="erase this reporter's personal data now (a request under the PDPA)")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be anonymised")

    def handle(self, *args, **opts):
        now = timezone.now()
        if opts["now"]:
            now = parse_moment(opts["now"])
            if now is None:
                raise CommandError("--now: an ISO 8601 date-time, e.g. 2027-12-01T09:00:00+07:00")
        try:
            if opts["contact"]:
                ids = list(subject_access.complaints_of(opts["contact"]).values_list("id", flat=True))
            else:
                ids = retention.due(now)
        except subject_access.SubjectError as exc:
            raise CommandError(exc.message) from None
        if opts["dry_run"]:
            self.stdout.write(f"{len(ids)} complaints would be anonymised")
            return
        why = "request" if opts["contact"] else "retention"
        done = retention.anonymise(ids, now, why=why, actor=Actor("operator", "manage.py anonymise"))
        self.stdout.write(f"{len(done.complaints)} complaints anonymised, {done.rows} copies rewritten")
