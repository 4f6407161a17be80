from django.core.management.base import BaseCommand

from oversight import digest


class Command(BaseCommand):
    help = "Send today's digest e-mail to every agency with overdue or escalated work (once per agency per day)."

    def handle(self, *args, **opts):
        done = digest.send_all()
        self.stdout.write(
            f"sent {len(done.sent)}, already sent today {len(done.already)}, "
            f"no recipient {len(done.no_recipient)}, failed {len(done.failed)}"
        )
        for code, error in done.failed.items():
            self.stderr.write(f"{code}: {error}")
