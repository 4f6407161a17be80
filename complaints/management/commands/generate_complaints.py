from django.core.management.base import BaseCommand, CommandError

from complaints import synthetic


class Command(BaseCommand):
    help = "Add N synthetic complaints shaped like the real Traffy ones (for benchmarks); --remove deletes them."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, nargs="?", default=1_000_000)
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args, **opts):
        if opts["remove"]:
            self.stdout.write(f"removed {synthetic.remove()} synthetic complaints")
            return
        try:
            total = synthetic.generate(opts["count"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{total} synthetic complaints in the database")
