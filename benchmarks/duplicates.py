"""Duplicate candidates on the real Traffy Fondue complaints, and the candidate query at scale.

    .venv/bin/python benchmarks/duplicates.py                 # pairs the default windows find, and a sample
    .venv/bin/python benchmarks/duplicates.py --sample 40     # print 40 pairs to read
    .venv/bin/python benchmarks/duplicates.py --scale 1000000 # also: the query on 1 M complaints (needs
                                                               # the Traffy demo in the database; removed after)

A pair is (earlier ticket, later ticket) where the later one's first category is among the earlier
one's, the two are within the category's radius and the earlier was filed at most the category's
window before: what `complaints.duplicates.find` offers when the later one is filed. The file gives
each ticket's state today, not when it changed, so "open at the time" is unknown: all earlier
tickets count (the upper bound), and separately those still open in the file.
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from pyproj import Geod

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from complaints.duplicates import window  # noqa: E402

# Open states as the demo import stores them (an empty state is stored as waiting).
OPEN = {"รอรับเรื่อง", "กำลังดำเนินการ", "inprogress", "ส่งต่อ(ใหม่)", ""}
GEOD = Geod(ellps="WGS84")
BANGKOK = ZoneInfo("Asia/Bangkok")
# 40 pairs of the default sample (seed 17), each read and judged by hand: docs/duplicates.md.
READING = Path(__file__).with_name("duplicates_reading.json")


def tickets(path):
    labels = json.loads((ROOT / "fixtures" / "categories.json").read_text(encoding="utf-8"))
    by_label = {label: c["code"] for c in labels for label in c["traffy_labels"] if label}
    out = []
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
                when = datetime.fromisoformat(row["timestamp"].replace("+00", "+00:00"))
            except ValueError:
                continue
            when = when if when.tzinfo else when.replace(tzinfo=BANGKOK)  # a bare date: local midnight
            codes = [by_label[x.strip()] for x in (row["type"] or "").split(",") if x.strip() in by_label]
            out.append({**row, "lon": lon, "lat": lat, "when": when, "codes": list(dict.fromkeys(codes)) or ["other"]})
    return sorted(out, key=lambda t: t["when"])


def pairs(rows):
    """Every (earlier, later, metres, hours) the default windows offer, in filing order."""
    lon = np.array([t["lon"] for t in rows])
    lat = np.array([t["lat"] for t in rows])
    seconds = np.array([t["when"].timestamp() for t in rows])
    found = []
    for j, later in enumerate(rows):
        category = later["codes"][0]
        win = window(category)
        earlier = np.nonzero((seconds[:j] >= seconds[j] - win.days * 86400) & (seconds[:j] <= seconds[j]))[0]
        earlier = [i for i in earlier if category in rows[i]["codes"]]
        if not earlier:
            continue
        _, _, metres = GEOD.inv(
            lon[earlier], lat[earlier], np.full(len(earlier), lon[j]), np.full(len(earlier), lat[j])
        )
        for i, m in zip(earlier, np.atleast_1d(metres)):
            if m <= win.radius_m:
                found.append((rows[i], later, float(m), (seconds[j] - seconds[i]) / 3600.0))
    return found


def series(rows, ticket, category):
    """Tickets of the category within 200 m and 2 hours of this one, itself included: a reporter walking
    a street and filing each broken lamp or slab makes a series of different problems."""
    near = [
        t
        for t in rows
        if category in t["codes"]
        and abs((t["when"] - ticket["when"]).total_seconds()) <= 7200
        and GEOD.inv(t["lon"], t["lat"], ticket["lon"], ticket["lat"])[2] <= 200
    ]
    return len(near)


def show(pair, number, rows):
    a, b, metres, hours = pair
    print(
        f"{number:3d}. {a['ticket_id']} -> {b['ticket_id']}  {metres:6.1f} m  {hours:7.1f} h  "
        f"series {series(rows, b, b['codes'][0])}  "
        f"type {a['type'] or '-'!r} / {b['type'] or '-'!r}  state {a['state'] or '-'} / {b['state'] or '-'}  "
        f"{a['subdistrict']} / {b['subdistrict']}  org {a['organization'][:40]!r} / {b['organization'][:40]!r}"
    )


def in_database():
    """Candidates `duplicates.find` gives each stored Traffy demo complaint at its filing time (today's
    open states), summed: the rule above, checked against the real query. None without the demo."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from complaints import duplicates
    from complaints.models import Complaint

    applied = MigrationRecorder(connection).applied_migrations()
    demo = Complaint.objects.filter(source="traffy")
    if ("complaints", "0005_duplicates") not in applied or not demo.exists():
        return None
    return sum(len(duplicates.for_complaint(c, limit=1000)) for c in demo.iterator())


def scale(count: int, probes: int):
    """The candidate query on `count` synthetic complaints shaped like the Traffy ones: its plan and
    its median time at real Traffy points."""
    from django.db import connection
    from django.utils import timezone

    from complaints import duplicates, synthetic
    from complaints.models import Complaint

    have = Complaint.objects.filter(source=synthetic.SOURCE).count()
    started = time.perf_counter()
    if have < count:
        synthetic.generate(count - have)
    total = Complaint.objects.count()
    print(f"\n{total:,} complaints in the database ({time.perf_counter() - started:.1f} s to generate)")
    points = list(Complaint.objects.filter(source="traffy").values_list("location", "categories")[:probes])
    now = timezone.now()
    times, counts = [], []
    for location, categories in points:
        category = categories[0] if categories else "other"
        started = time.perf_counter()
        found = duplicates.find(location.x, location.y, category, at=now, description="ไฟดับ")
        times.append(time.perf_counter() - started)
        counts.append(len(found))
    location, categories = points[0]
    win = window(categories[0])
    with connection.cursor() as cursor:
        sql = duplicates.FIND_SQL.format(visible="")
        args = [location.x, location.y, win.radius_m, categories[0], now - win.span, now, [], duplicates.FETCH_BOUND]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
        plan = [row[0] for row in cursor.fetchall()]
    print("plan of one query:\n  " + "\n  ".join(plan))
    times.sort()
    print(
        f"candidate query at {len(times)} real Traffy points: median {statistics.median(times) * 1000:.2f} ms,"
        f" p90 {times[int(len(times) * 0.9)] * 1000:.2f} ms; candidates per query median"
        f" {statistics.median(counts):.0f}, max {max(counts)}"
    )
    print(f"index used: {'complaint_open_geography' in ' '.join(plan)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default=str(settings.GEO_DATA_DIR / "traffy" / "traffy_bangkok_dev.csv"))
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--scale", type=int, default=0, help="also time the query on this many complaints")
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic complaints")
    args = parser.parse_args()

    rows = tickets(args.csv)
    found = pairs(rows)
    still_open = [p for p in found if p[0]["state"] in OPEN]
    in_pairs = {id(t) for p in found for t in p[:2]}
    print(f"{len(rows):,} Traffy tickets; the default windows find {len(found):,} candidate pairs")
    print(f"  of which the earlier ticket is still open in the file: {len(still_open):,}")
    print(
        f"  tickets in at least one pair: {len(in_pairs):,}; later tickets with a candidate: "
        f"{len({id(p[1]) for p in found}):,}"
    )
    print(
        "  pairs by category: "
        + ", ".join(f"{c} {n}" for c, n in Counter(p[1]["codes"][0] for p in found).most_common())
    )
    exact = sum(1 for p in found if p[2] < 1.0)
    print(f"  pairs at the same pin (under 1 m): {exact:,}; within an hour: {sum(1 for p in found if p[3] < 1):,}")
    stored = in_database()
    if stored is not None:
        print(f"  the same through duplicates.find() on the demo complaints in the database (open ones): {stored:,}")
    sample = random.Random(args.seed).sample(found, min(args.sample, len(found)))
    print(f"\nsample of {len(sample)} pairs (seed {args.seed}), to read:")
    for number, pair in enumerate(sorted(sample, key=lambda p: p[1]["when"]), 1):
        show(pair, number, rows)

    reading = json.loads(READING.read_text(encoding="utf-8"))
    keys = {(a["ticket_id"], b["ticket_id"]) for a, b, _, _ in found}
    read = Counter(r["verdict"] for r in reading if (r["earlier"], r["later"]) in keys)
    print(
        f"\nread by hand ({READING.name}: labels, distance, time apart, states, series; the file has no text"
        f" or photos): {sum(read.values())} pairs, same problem {read['same']}, different {read['different']},"
        f" cannot tell {read['unclear']}"
    )

    if args.scale:
        from complaints import synthetic

        try:
            scale(args.scale, args.probes)
        finally:
            if not args.keep:
                print(f"removed {synthetic.remove():,} synthetic complaints")


if __name__ == "__main__":
    main()
