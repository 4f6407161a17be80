"""Statistics on 1 million complaints: each query timed (median of 3) on synthetic complaints shaped
like the real Traffy ones (`manage.py generate_complaints`), removed afterwards unless --keep.

    .venv/bin/python benchmarks/stats.py [--count 1000000] [--keep]
"""

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402
from timing import median_seconds  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from complaints import stats, synthetic  # noqa: E402
from complaints.models import Complaint  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    have = Complaint.objects.filter(source=synthetic.SOURCE).count()
    started = time.perf_counter()
    if have < args.count:
        synthetic.generate(args.count - have)
    print(f"{args.count:,} synthetic complaints ready ({time.perf_counter() - started:.1f} s to generate)")
    everything = stats.Scope()
    bangkok = stats.Scope(area="10")
    queries = {
        "summary by district, whole country": lambda: stats.summary("district", everything),
        "summary by agency, whole country": lambda: stats.summary("agency", everything),
        "summary by category, Bangkok": lambda: stats.summary("category", bangkok),
        "summary by subdistrict, Bangkok, last 30 days": lambda: stats.summary(
            "subdistrict", stats.Scope(area="10", since=timezone.now() - timedelta(days=30))
        ),
        "weekly trend, whole country": lambda: stats.trend("week", everything),
        "top 3 categories per district": lambda: stats.top_categories("district", 3, everything),
    }
    results = {}
    for name, query in queries.items():
        seconds = median_seconds(query)
        results[name] = round(seconds, 3)
        print(f"  {name:<50}{seconds * 1000:>9.0f} ms")
    out = ROOT / "benchmarks" / "out" / "stats.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"complaints": Complaint.objects.count(), "seconds": results}, indent=2))
    if not args.keep:
        print(f"removed {synthetic.remove():,} synthetic complaints")


if __name__ == "__main__":
    main()
