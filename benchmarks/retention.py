"""The retention job's cost: complaints past the window found (`retention.due`) and anonymised
(`retention.sweep`), each with its history and a delivery, on complaints made for the run and
removed afterwards. Committed in small batches (a long open transaction would hold back every
change-feed reader of the cluster).

    .venv/bin/python benchmarks/retention.py [--count 2000]
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from django.contrib.gis.geos import Point  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints import changes, retention  # noqa: E402
from complaints.models import Complaint, HistoryEntry  # noqa: E402
from delivery.models import DEAD, Delivery  # noqa: E402
from routing.models import Agency  # noqa: E402

SOURCE = "bench-retention"


def make(count: int, agency) -> list[int]:
    ids = []
    for start in range(0, count, 200):
        with transaction.atomic():
            for i in range(start, min(start + 200, count)):
                c = Complaint.objects.create(
                    source=SOURCE,
                    location=Point(100.5, 13.75, srid=4326),
                    categories=["street_light"],
                    description=f"ไฟดับ โทร 081-234-{i % 10000:04d} ไลน์ bench_user_{i}",
                    reporter_name=f"ผู้แจ้ง ทดสอบ{i}",
                    reporter_contact=f"line:bench_user_{i}",
                    status="finished",
                    agency=agency,
                )
                changes.record(c, "created", from_status="")
                changes.record(c, "transition", action="finish", note=f"โทรกลับ 08{i % 100000000:08d} แล้ว")
                Delivery.objects.create(
                    complaint=c, agency=agency, channel="none", state=DEAD, payload={"complaint": {"d": c.description}}
                )
                ids.append(c.id)
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    Complaint.objects.filter(source=SOURCE).delete()
    agency = Agency.objects.order_by("id").first()
    started = time.perf_counter()
    ids = make(args.count, agency)
    print(f"{len(ids):,} closed complaints made in {time.perf_counter() - started:.1f} s")
    HistoryEntry.objects.filter(complaint_id__in=ids).update(at=timezone.now() - timedelta(days=400))
    try:
        now = timezone.now()
        started = time.perf_counter()
        due = retention.due(now)
        found = time.perf_counter() - started
        total = Complaint.objects.count()
        print(f"due(): {len(due):,} due among {total:,} complaints in {found:.2f} s")
        started = time.perf_counter()
        done = retention.anonymise(due, now)
        took = time.perf_counter() - started
        print(
            f"anonymise(): {len(done.complaints):,} complaints, {done.rows:,} copies rewritten in {took:.1f} s"
            f" ({took / max(len(done.complaints), 1) * 1000:.1f} ms per complaint)"
        )
        left = Complaint.objects.filter(id__in=ids).exclude(reporter_contact="").count()
        print(f"contacts left: {left}")
    finally:
        Complaint.objects.filter(source=SOURCE).delete()


if __name__ == "__main__":
    main()
