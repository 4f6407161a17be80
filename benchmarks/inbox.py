"""The officers' inbox on 1,000,000 complaints, 100,000 of them one agency's (issue 22's target:
median under 200 ms, p95 under 500 ms of server time), in a database of its own that is dropped
at the end (unless --keep).

    .venv/bin/python benchmarks/inbox.py [--count 1000000] [--repeat 30] [--keep]

Each case times `workspace.inbox_query.inbox(...)` (its rows are Complaint objects already read),
and, in the same run on the same data, what one writes first with the ORM (an OR of the two
agency columns, one count per tab, ORDER BY a CASE) and inbox() itself with the migration's
indexes dropped inside a transaction that is rolled back. The data: complaints spread over 200
agencies, every tenth one the big agency's, 60 % open (most past their deadline), 5 % of the
others' open ones escalated (a quarter of those to the big agency), 1 % merged into an earlier
one, Thai descriptions from twelve phrases with a house number, "is it fixed?" questions for
what was finished in the last week.
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
DB = os.environ.get("GEO_BENCH_DB", "bench_inbox")
SOCKET = quote(str(ROOT / "var" / "pg" / "run"), safe="")
PORT = os.environ.get("GEO_PGPORT", "54329")
os.environ["DATABASE_URL"] = f"postgis://geo@{SOCKET}:{PORT}/{DB}"

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Case, Count, F, IntegerField, Q, Value, When  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.lifecycle import OPEN_STATES  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from workspace.inbox_query import InboxFilters, inbox  # noqa: E402

INDEXES = (
    "complaint_inbox_agency",
    "complaint_inbox_escalated",
    "complaint_inbox_done",
    "complaint_inbox_area",
    "complaint_description_trgm",
    "complaint_ticket",
    "confirmation_pending",
)
PHRASES = [
    "ไฟฟ้าดับทั้งซอย",
    "ถนนชำรุดเป็นหลุมบ่อ",
    "ขยะล้นถังไม่มีคนเก็บ",
    "น้ำท่วมขังหน้าบ้าน",
    "ท่อระบายน้ำอุดตันส่งกลิ่นเหม็น",
    "ต้นไม้ล้มขวางถนน",
    "เสียงดังรบกวนยามวิกาล",
    "สุนัขจรจัดกัดคนในชุมชน",
    "ทางเท้าแตกเสียหาย",
    "ไฟจราจรเสียที่สี่แยก",
    "น้ำประปาไม่ไหลสามวันแล้ว",
    "ป้ายจราจรหักล้ม",
]
CATEGORIES = ["road", "electricity", "cleanliness", "flooding", "drain", "tree", "noise", "stray_animal"]
FILL = """
WITH p AS (
    SELECT g, abs(hashint4(g)) AS h, random() AS r_status, random() AS r_age, random() AS r_due
    FROM generate_series(%(start)s, %(stop)s) AS g
), q AS (
    SELECT p.*, now() - p.r_age * interval '365 days' AS made,
           CASE WHEN g %% 10 = 0 THEN %(big)s ELSE %(first)s + 1 + h %% 199 END AS agency,
           CASE WHEN r_status < 0.30 THEN 'waiting' WHEN r_status < 0.33 THEN 'forwarded'
                WHEN r_status < 0.55 THEN 'in_progress' WHEN r_status < 0.60 THEN 'follow_up'
                WHEN r_status < 0.95 THEN 'finished' ELSE 'irrelevant' END AS state
    FROM p
)
INSERT INTO complaints_complaint (
    id, source, client_ticket_id, request_fingerprint, location, categories, description, photo_url,
    reporter_name, reporter_contact, status, reopen_count, agency_id, decision, province_code,
    district_code, subdistrict_code, local_government_code, created, updated, due_at, resolved_at,
    escalated_to_id, escalation_level, parent_id)
SELECT g, 'bench', 'bench-' || g, '',
       ST_SetSRID(ST_MakePoint(98 + (h %% 7000) / 1000.0, 6 + (h %% 14000) / 1000.0), 4326),
       jsonb_build_array((%(categories)s::text[])[1 + (h / 3) %% 8]),
       (%(phrases)s::text[])[1 + (h / 5) %% 12] || ' บ้านเลขที่ ' || (h %% 5000),
       '', '', '', state, 0, agency, '{}'::jsonb,
       CASE WHEN agency = %(big)s THEN '53' ELSE lpad((10 + (h / 11) %% 80)::text, 2, '0') END,
       CASE WHEN agency = %(big)s THEN '5301' ELSE lpad((1000 + (h / 11) %% 8000)::text, 4, '0') END,
       CASE WHEN agency = %(big)s THEN '5301' || lpad(((h / 13) %% 60)::text, 2, '0')
            ELSE lpad((100000 + (h / 11) %% 800000)::text, 6, '0') END,
       '', made, made,
       CASE WHEN state IN ('waiting', 'forwarded', 'in_progress', 'follow_up')
            THEN now() + (r_due - 0.6) * interval '30 days' END,
       CASE WHEN state IN ('finished', 'irrelevant') THEN least(now(), made + r_due * interval '30 days') END,
       esc, (esc IS NOT NULL)::int,
       CASE WHEN g %% 97 = 0 THEN g - 10 END
FROM (SELECT q.*, CASE WHEN agency <> %(big)s AND state IN ('waiting', 'forwarded', 'in_progress', 'follow_up')
                        AND (h / 7) %% 20 = 0
                       THEN CASE WHEN (h / 140) %% 4 = 0 THEN %(big)s ELSE %(first)s + 1 + (h / 3) %% 199 END
                  END AS esc FROM q) r
"""
CONFIRMATIONS = """
INSERT INTO complaints_confirmation (complaint_id, agency_id, intake_key_id, asked_at, expires_at, answered_at, comment)
SELECT id, agency_id, %(key)s, resolved_at, resolved_at + interval '7 days',
       CASE WHEN (id / 10) %% 2 = 0 THEN resolved_at + interval '1 day' END, ''
FROM complaints_complaint WHERE status = 'finished' AND resolved_at > now() - interval '7 days'
"""


def admin(sql):
    with psycopg.connect(f"host={ROOT / 'var' / 'pg' / 'run'} port={PORT} user=geo dbname=postgres") as conn:
        conn.autocommit = True
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def prepare(count: int) -> int:
    """The benchmark database, migrated and filled; the big agency's id."""
    if not admin(f"SELECT 1 FROM pg_database WHERE datname = '{DB}'"):
        admin(f"CREATE DATABASE {DB}")
    call_command("migrate", verbosity=0)
    from access.models import IntakeKey
    from routing.models import Agency

    if not Agency.objects.filter(code="bench-0").exists():
        Agency.objects.bulk_create(
            Agency(code=f"bench-{i}", name_th=f"หน่วยงาน {i}", kind="local_government") for i in range(200)
        )
    first = Agency.objects.get(code="bench-0").id
    have = Complaint.objects.count()
    if have < count:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for start in range(have + 1, count + 1, 100_000):
                stop = min(start + 99_999, count)
                with transaction.atomic():
                    cursor.execute(
                        FILL,
                        {
                            "start": start,
                            "stop": stop,
                            "big": first,
                            "first": first,
                            "phrases": PHRASES,
                            "categories": CATEGORIES,
                        },
                    )
                print(f"  {stop:,} complaints ({time.perf_counter() - started:.0f} s)", flush=True)
            key, _ = IntakeKey.objects.issue("bench")
            cursor.execute(CONFIRMATIONS, {"key": key.id})
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), max(id)) FROM complaints_complaint"
            )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE complaints_complaint")
            cursor.execute("VACUUM ANALYZE complaints_confirmation")
        print(f"filled in {time.perf_counter() - started:.0f} s")
    return first


def naive(agency_id, f: InboxFilters, now):
    """The inbox as one writes it first with the ORM."""
    mine = Complaint.objects.filter(Q(agency_id=agency_id) | Q(escalated_to_id=agency_id), parent__isnull=True)
    if f.category:
        mine = mine.filter(categories__contains=[f.category])
    if f.subdistrict:
        mine = mine.filter(subdistrict_code=f.subdistrict)
    if f.date_from:
        mine = mine.filter(created__date__gte=f.date_from)
    if f.date_to:
        mine = mine.filter(created__date__lte=f.date_to)
    if f.q:
        text = Q(client_ticket_id=f.q) | Q(description__icontains=f.q)
        mine = mine.filter(text | Q(id=int(f.q)) if f.q.isdigit() else text)
    tabs = {
        "new": Q(status__in=["waiting", "forwarded"]),
        "in_progress": Q(status__in=["in_progress", "follow_up"]),
        "overdue": Q(status__in=OPEN_STATES, due_at__lte=now),
        "escalated": Q(status__in=OPEN_STATES, escalated_to_id=agency_id),
        "awaiting_reporter": Q(
            status="finished", confirmations__answered_at__isnull=True, confirmations__expires_at__gt=now
        ),
        "done": Q(status__in=["finished", "irrelevant"]),
        "open": Q(status__in=OPEN_STATES),
        "all": Q(),
    }
    counts = {tab: mine.filter(tabs[tab]).distinct().count() for tab in list(tabs)[:6]}
    listed = mine.filter(tabs[f.tab]).distinct()
    total = counts.get(f.tab) if f.tab in counts else listed.count()
    overdue = Case(When(tabs["overdue"], then=Value(1)), default=Value(0), output_field=IntegerField())
    start = (f.page - 1) * f.page_size
    rows = list(
        listed.select_related("agency")
        .annotate(overdue=overdue, duplicate_count=Count("children"))
        .order_by("-overdue", F("due_at").asc(nulls_last=True), "id")[start : start + f.page_size]
    )
    return rows, counts, total


def backend_cpu_ns(pid) -> int:
    """CPU time the database backend has used (the scheduler's count, in ns)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def measure(fn, repeat):
    """Wall time, and CPU time (this process's plus its database backend's), in ms: on a machine
    whose load average is several times its cores, the CPU time is what the call itself costs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fn()  # warm: the first call reads pages from disk and plans
    wall, cpu = [], []
    for _ in range(repeat):
        started, used, backend = time.perf_counter(), time.process_time(), backend_cpu_ns(pid)
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000 + (backend_cpu_ns(pid) - backend) / 1e6)
    return {
        "median": statistics.median(wall),
        "p95": p95(wall),
        "cpu_median": statistics.median(cpu),
        "cpu_p95": p95(cpu),
    }


def p95(values):
    values = sorted(values)
    return values[max(0, round(0.95 * len(values)) - 1)]


def cases():
    yield "first page (open)", InboxFilters()
    for tab in ("new", "in_progress", "overdue", "escalated", "awaiting_reporter", "done", "all"):
        yield f"tab {tab}", InboxFilters(tab=tab)
    yield "category filter", InboxFilters(category="drain")
    yield (
        "subdistrict + month",
        InboxFilters(
            subdistrict="530107",
            date_from=timezone.localdate() - timedelta(days=30),
            date_to=timezone.localdate(),
        ),
    )
    yield "has duplicates", InboxFilters(has_duplicates=True)
    yield "text search (Thai)", InboxFilters(q="ท่อระบายน้ำอุดตัน", tab="all")
    yield "rare text (house number)", InboxFilters(q="บ้านเลขที่ 4321", tab="all")
    yield "number", InboxFilters(q="500000", tab="all")
    yield "ticket id", InboxFilters(q="bench-123450", tab="all")
    yield "deep page (1,000 of open)", InboxFilters(page=1000)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--naive-repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    try:
        big = prepare(args.count)
        with connection.cursor() as cursor:
            # One process per query: parallel workers' CPU would escape the measure, and with many
            # officers at once on two cores they gain nothing (measured: the same medians either way).
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        now = timezone.now()
        mine = Complaint.objects.filter(Q(agency_id=big) | Q(escalated_to_id=big)).count()
        print(f"{Complaint.objects.count():,} complaints, {mine:,} the big agency's (with those escalated to it)")
        results = {}
        load = [os.getloadavg()[0]]
        print(f"load average {load[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'':<28}{'':>6}{'':>8}{'wall ms':>17}{'CPU ms':>16}   ORM / no indexes, wall ms")
        print(f"{'case':<28}{'rows':>6}{'total':>8}{'median':>9}{'p95':>8}{'median':>9}{'p95':>7}", end="")
        print(f"{'ORM':>9}{'x':>6}{'no idx':>9}{'x':>6}")
        for name, f in cases():
            page = inbox(big, f, now=now)
            fast = measure(lambda f=f: inbox(big, f, now=now), args.repeat)
            slow = measure(lambda f=f: naive(big, f, now), args.naive_repeat)
            bare = without_indexes(lambda f=f: inbox(big, f, now=now), args.naive_repeat)
            results[name] = {
                "rows": len(page.rows),
                "total": page.total,
                "inbox_ms": fast,
                "orm_ms": slow,
                "without_indexes_ms": bare,
            }
            print(
                f"{name:<28}{len(page.rows):>6}{page.total:>8}{fast['median']:>9.1f}{fast['p95']:>8.1f}"
                f"{fast['cpu_median']:>9.1f}{fast['cpu_p95']:>7.1f}"
                f"{slow['median']:>9.1f}{slow['median'] / fast['median']:>6.1f}"
                f"{bare['median']:>9.1f}{bare['median'] / fast['median']:>6.1f}",
                flush=True,
            )
        for area in (("province", "53"), ("district", "5301")):
            took = measure(lambda area=area: inbox(None, InboxFilters(), now=now, area=area), args.repeat)
            name = f"executive, {area[0]} {area[1]}"
            print(f"{name:<28}{'':>14}{took['median']:>9.1f}{took['p95']:>8.1f}{took['cpu_median']:>9.1f}", end="")
            print(f"{took['cpu_p95']:>7.1f}")
            results[name] = {"inbox_ms": took}
        results.update(pages(big, args.repeat))
        load.append(os.getloadavg()[0])
        print(f"load average {load[1]:.1f}")
        out = ROOT / "benchmarks" / "out" / "inbox.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps({"complaints": args.count, "big_agency": mine, "load_average": load, "cases": results}, indent=2)
        )
    finally:
        connection.close()
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {DB}")
            print(f"dropped {DB}")


def pages(big: int, repeat: int) -> dict:
    """The whole request as an officer of the big agency makes it: the view, its three queries, the
    template and the map's GeoJSON in the page, through Django's handler (no network)."""
    from django.contrib.auth.models import User
    from django.test import Client

    from access.models import StaffProfile

    user, _ = User.objects.get_or_create(username="bench-officer")
    StaffProfile.objects.get_or_create(user=user, defaults={"agency_id": big})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    found = {}
    for name, query in (
        ("page: inbox (open)", ""),
        ("page: tab overdue", "?tab=overdue"),
        ("page: Thai text", "?q=ท่อระบายน้ำอุดตัน&tab=all"),
    ):
        reply = client.get("/work/" + query)
        if reply.status_code != 200:
            print(f"{name:<28} HTTP {reply.status_code}")
            continue
        took = measure(lambda query=query: client.get("/work/" + query), repeat)
        print(f"{name:<28}{'':>14}{took['median']:>9.1f}{took['p95']:>8.1f}{took['cpu_median']:>9.1f}", end="")
        print(f"{took['cpu_p95']:>7.1f}   {len(reply.content) / 1024:.0f} KiB")
        found[name] = {"inbox_ms": took, "bytes": len(reply.content)}
    return found


class _Rollback(Exception):
    pass


def without_indexes(fn, repeat):
    """inbox() as the planner runs it without migration 0008's indexes (dropped, then rolled back)."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX " + ", ".join(INDEXES))
            result = measure(fn, repeat)
            raise _Rollback
    except _Rollback:
        return result


if __name__ == "__main__":
    main()
