from django.core.management.base import BaseCommand, CommandError

from complaints import synthetic


class Command(BaseCommand):
    help = (
        "Add N synthetic complaints spread over Thailand and the years since 2021 like real ones (for benchmarks;"
        " docs/benchmarks.md); --remove deletes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, nargs="?", default=1_000_000)
        parser.add_argument("--batch", type=int, default=250_000, help="complaints per transaction")
        parser.add_argument("--seed", type=int, default=1, help="the same seed draws the same complaints")
        parser.add_argument("--no-history", action="store_true", help="without their history entries")
        parser.add_argument(
            "--rebuild-indexes",
            action="store_true",
            help="drop the secondary indexes during the fill and build them again after (millions, quiet database)",
        )
        parser.add_argument("--remove", action="store_true")

    def handle(self, *args, **opts):
        if opts["remove"]:
            self.stdout.write(f"removed {synthetic.remove()} synthetic complaints")
            return
        if opts["count"] < 1 or opts["batch"] < 1:
            raise CommandError("count and --batch must be positive")

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            total = synthetic.generate(
                opts["count"],
                batch=opts["batch"],
                seed=opts["seed"],
                history=not opts["no_history"],
                rebuild_indexes=opts["rebuild_indexes"],
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{total} synthetic complaints in the database")
