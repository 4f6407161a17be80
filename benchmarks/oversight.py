"""The executives' scorecard on a large database: each query timed (median of 5) and EXPLAINed, on
synthetic complaints shaped like the real Traffy ones (`manage.py generate_complaints`, all in
Bangkok), with deadlines set on the open ones so that overdue work exists.

    DATABASE_URL=postgis://geo@%2Fwork%2Fmain%2Fvar%2Fpg%2Frun:54329/bench_oversight \\
        .venv/bin/python benchmarks/oversight.py [--count 100000]
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402
from timing import median_seconds  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints import synthetic  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from oversight import areas, digest, scorecard  # noqa: E402
from oversight.scorecard import Period  # noqa: E402

DEADLINES = """
    UPDATE complaints_complaint SET due_at = created + make_interval(hours => (24 + id %% 400)::int)
    WHERE source = %s AND status IN ('waiting', 'in_progress') AND due_at IS NULL
"""


def explain(sql: str, args) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, args)
        return "\n".join(row[0] for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    have = Complaint.objects.filter(source=synthetic.SOURCE).count()
    if have < args.count:
        synthetic.generate(args.count - have)
    with connection.cursor() as cursor:
        cursor.execute(DEADLINES, [synthetic.SOURCE])
        cursor.execute("ANALYZE complaints_complaint")
    total = Complaint.objects.count()
    bangkok = areas.named("10") or areas.Area("10", "กรุงเทพมหานคร", "Bangkok")
    district = areas.Area("1001", "พระนคร", "Phra Nakhon")
    print(f"{total:,} complaints, {Complaint.objects.filter(province_code='10').count():,} in Bangkok")
    weeks, year = Period.recent_weeks(12), Period.recent_weeks(52)
    runs = {
        "agencies, Bangkok, 12 weeks": lambda: scorecard.agencies(bangkok, weeks),
        "agencies, Bangkok, 52 weeks": lambda: scorecard.agencies(bangkok, year),
        "agencies, Phra Nakhon district, 12 weeks": lambda: scorecard.agencies(district, weeks),
        "trend, Bangkok, 12 weeks": lambda: scorecard.trend(bangkok, weeks),
        "overdue points, Bangkok (first 5,000)": lambda: scorecard.overdue_points(bangkok),
        "digest work, whole country": lambda: digest.work(timezone.now()),
    }
    for name, run in runs.items():
        seconds = median_seconds(run, 5)
        print(f"{seconds * 1000:8.1f} ms  {name}")
    since, until = weeks.bounds()
    plan_args = {"area": "10", "since": since, "until": until, "now": timezone.now()}
    print("\nEXPLAIN agencies, Bangkok, 12 weeks:")
    print(explain(scorecard.AGENCIES.format(column="province_code"), plan_args))


if __name__ == "__main__":
    main()
