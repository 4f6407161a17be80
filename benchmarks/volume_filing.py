"""Filings per second with concurrent clients, in the database DATABASE_URL names: each client a
thread with its own database connection calling complaints.commands.file (the write path every
front calls: routing, the insert, its history, deliveries, duplicates), for a fixed time.
One JSON object on stdout.

    DATABASE_URL=... python benchmarks/volume_filing.py [--clients 8] [--seconds 30]
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from complaints.commands import file as file_one  # noqa: E402
from complaints.intake import Filing  # noqa: E402
from routing import live  # noqa: E402

PLACES = [
    (100.0997, 17.6201, "street_light"),
    (100.4930, 13.7520, "road"),
    (98.9853, 18.7883, "cleanliness"),
    (102.8236, 16.4419, "water_supply"),
    (100.5231, 13.7367, "flooding"),
]


def client(run: str, number: int, until: float, done: list, errors: list):
    matcher, directory = live.matcher.current(), live.directory.current()
    i = 0
    try:
        while time.perf_counter() < until:
            lon, lat, category = PLACES[(number + i) % len(PLACES)]
            filing = Filing(
                lon=lon + (i % 100) * 1e-5,
                lat=lat,
                categories=(category,),
                description=f"bench {i}",
                client_ticket_id=f"{run}-{number}-{i}",
            )
            file_one(filing, matcher=matcher, directory=directory)
            i += 1
    except Exception as exc:  # reported, not hidden: a failed filing spoils the figure
        errors.append(repr(exc))
    finally:
        done[number] = i
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    live.matcher.current(), live.directory.current()  # built once, shared by the threads
    run = uuid.uuid4().hex[:8]
    # Warm: one filing per client place, so no thread pays for the first plans and pages.
    warm = [0] * 1
    client(run + "w", 0, time.perf_counter() + 2, warm, [])
    done, errors = [0] * args.clients, []
    started = time.perf_counter()
    until = started + args.seconds
    threads = [threading.Thread(target=client, args=(run, n, until, done, errors)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "clients": args.clients,
                "filed": sum(done),
                "seconds": round(elapsed, 1),
                "per_second": round(sum(done) / elapsed, 1),
                "errors": errors,
                "load": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
