"""Filing in one process, old code against new (run from each checkout, each with a database of its
own: DATABASE_URL=... python benchmarks/filing.py --prepare, then without --prepare, alternating):
the write path's cost per complaint (routing, the insert, its history entry, the delivery rows,
what follows), in a database of its own that `--prepare` loads. Medians of batches."""

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before benchmarks/, whose oversight.py would shadow the app
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from complaints.intake import Filing  # noqa: E402
from routing import live  # noqa: E402

try:
    from complaints.commands import file as file_one  # the write path's command

    WHICH = "complaints.commands.file"
except ImportError:  # a checkout from before issue #23, for the comparison
    from complaints.intake import file as file_one  # type: ignore[attr-defined,no-redef]

    WHICH = "complaints.intake.file"

PLACES = [
    (100.0997, 17.6201, "street_light"),
    (100.4930, 13.7520, "road"),
    (98.9853, 18.7883, "cleanliness"),
    (102.8236, 16.4419, "water_supply"),
    (100.5231, 13.7367, "flooding"),
]


def batch(n: int) -> float:
    matcher, directory = live.matcher.current(), live.directory.current()
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    for i in range(n):
        lon, lat, category = PLACES[i % len(PLACES)]
        filing = Filing(
            lon=lon, lat=lat, categories=(category,), description=f"bench {i}", client_ticket_id=f"{run}-{i}"
        )
        file_one(filing, matcher=matcher, directory=directory)
    return (time.perf_counter() - started) / n * 1000


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        call_command("migrate", verbosity=0)
        call_command("load_thailand", "--commit", "--activate")
        call_command("load_agencies")
        sys.exit(0)
    batch(50)  # warm: the matcher's index opened, the directory's rows read
    times = [batch(200) for _ in range(7)]
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{WHICH}: ms per filing, median {statistics.median(times):.2f} (runs {runs})")
