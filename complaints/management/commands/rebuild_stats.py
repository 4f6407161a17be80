import time

from django.core.management.base import BaseCommand

from complaints import stat_rebuild


class Command(BaseCommand):
    help = (
        "Build the statistics' aggregates again from the complaints (after `migrate` adds them to a"
        " database that has complaints, or to check them); filing and reading go on meanwhile."
    )

    def handle(self, *args, **opts):
        started = time.perf_counter()

        def progress(line: str) -> None:
            self.stdout.write(f"  {line}")
            self.stdout.flush()

        done = stat_rebuild.rebuild(progress)
        self.stdout.write(
            f"rebuilt: {done['complaints']:,} complaints in {done['cells']:,} cells"
            f" ({time.perf_counter() - started:.1f} s)"
        )
