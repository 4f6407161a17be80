from django.core.management.base import BaseCommand

from complaints import tasks
from complaints.demo import demo_file, load, missing_tickets
from routing import live


class Command(BaseCommand):
    help = "Route and store the real Traffy Fondue Bangkok complaints (once: re-running adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--later", action="store_true", help="ask the workers to store them (what make load does)")
        parser.add_argument("--after", type=float, default=0, help="with --later: not before this many seconds")

    def handle(self, *args, **opts):
        path = demo_file()
        missing = missing_tickets(path)
        if not missing:
            self.stdout.write("Traffy demo: every ticket is stored already")
            return
        if opts["later"]:
            asked = "asked" if tasks.request_demo(opts["after"]) else "had asked"
            self.stdout.write(f"Traffy demo: {asked} the workers to store {missing:,} tickets")
            return
        result = load(path, matcher=live.matcher.current(), directory=live.directory.current())
        states = ", ".join(f"{s} {n}" for s, n in sorted(result.states.items()))
        rejected = ", ".join(f"{why}: {n}" for why, n in result.rejected.items()) or "none"
        self.stdout.write(
            f"Traffy demo: {result.stored} stored ({states}), {result.already} already there; not stored: {rejected}"
        )
