from django.conf import settings
from django.core.management.base import BaseCommand

from complaints.demo import load, missing_tickets
from routing import live


class Command(BaseCommand):
    help = "Route and store the real Traffy Fondue Bangkok complaints (once: re-running adds nothing)."

    def handle(self, *args, **opts):
        path = settings.GEO_DATA_DIR / "traffy" / "traffy_bangkok_dev.csv"
        if not missing_tickets(path):
            self.stdout.write("Traffy demo: every ticket is stored already")
            return
        result = load(path, matcher=live.matcher.current(), directory=live.directory.current())
        states = ", ".join(f"{s} {n}" for s, n in sorted(result.states.items()))
        rejected = ", ".join(f"{why}: {n}" for why, n in result.rejected.items()) or "none"
        self.stdout.write(
            f"Traffy demo: {result.stored} stored ({states}), {result.already} already there; not stored: {rejected}"
        )
