"""What `make load` runs after migrating, in one process (each manage.py start costs a few
seconds of imports and checks): Thailand's boundaries, then local government, agencies and
rules (the matcher's index is built and stored meanwhile), then two jobs for the workers: the
lighter GIS layers (with the whole-collection files) and the Traffy demo complaints. Until the
workers are done, layers are drawn at full resolution and the map shows no demo complaints;
nothing else waits for them (docs/benchmarks.md#first-start).

manage.py load_all           as make load
manage.py load_all --now     everything in this process, the lighter layers and the demo included
"""

import threading
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from routing import loaders

# The jobs wait this long: in `make run` the server is building its index meanwhile, and on two
# cores the three would share them (a first start ready later, for work nobody is waiting for).
JOBS_AFTER_S = 30


class Command(BaseCommand):
    help = "Load Thailand, seed the agencies, and prepare the layers and demo complaints (by the workers)"
    requires_system_checks = []  # make load has just run migrate, which checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="prepare the layers and store the demo here")

    def step(self, name: str, *args: str) -> None:
        started = time.monotonic()
        call_command(name, *args, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(f"{name}: done in {time.monotonic() - started:.1f} s")
        self.stdout.flush()

    def store_matcher_index(self) -> None:
        started = time.monotonic()
        try:
            loaders.build_matcher()
        finally:
            connection.close()  # this thread's own connection
        self.stdout.write(f"matcher index: ready in {time.monotonic() - started:.1f} s")
        self.stdout.flush()

    def handle(self, *args: str, **opts: Any) -> None:
        started = time.monotonic()
        later = [] if opts["now"] else ["--later", "--after", str(JOBS_AFTER_S)]
        self.step("load_thailand", "--commit", "--activate", "--if-needed")
        # The matcher's index for the active boundaries is built and stored beside the agencies'
        # load (mostly the database's work), so the server's preload only opens it.
        index = threading.Thread(target=self.store_matcher_index)
        index.start()
        self.step("load_agencies")
        index.join()
        self.step("prepare_layers", *(later or ["--downloads", "later"]))
        self.step("load_traffy_demo", *later)
        self.stdout.write(f"loaded in {time.monotonic() - started:.1f} s")
