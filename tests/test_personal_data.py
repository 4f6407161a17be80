"""Personal data under the PDPA: the retention job leaves no contact data past the window anywhere in
the database (every text and JSON column of every table is searched with SQL), leaves data inside
the window alone, and keeps the complaints and their statistics; the subject-access export returns
everything held about a reporter; erasure on request.

Khok Si Suphan (Sakon Nakhon, 4715), which no other test files complaints in.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from access.models import IntakeKey
from complaints import commands, confirmation, intake, retention, stats, subject_access
from complaints.actors import Actor
from complaints.models import Complaint, HistoryEntry
from delivery.models import Attempt, Delivery
from routing import loaders
from subscriptions.models import DeadLetter, Subscription

pytestmark = pytest.mark.django_db

DAN_MUANG_KHAM = (104.3, 17.1)  # 471503: SAO-471503
AREA = "4715"

# The old reporter (closed 400 days ago): every way their data is held.
OLD_NAME = "สมหญิง เก็บนาน"
OLD_CONTACT = "line:somying_kss_0147"
OLD_PHONE = "089-555-0147"
OLD_ID = "3-1001-00234-56-1"
OLD_TRACES = ("somying_kss_0147", OLD_NAME, "555-0147", "5550147", "00234-56", "3100100234561")
# The recent reporter (closed 10 days ago) and the open complaint's reporter: kept as they are.
NEW_CONTACT, NEW_PHONE = "line:recent_kss_2291", "086-777-2291"
OPEN_CONTACT = "line:open_kss_3382"


def tables_holding(*needles) -> set[str]:
    """Every table with a text, varchar or JSON column holding any of `needles` (SQL, not the API)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, array_agg(column_name::text) FROM information_schema.columns
               WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')
               GROUP BY table_name"""
        )
        found = set()
        for table, columns in cursor.fetchall():
            test = " OR ".join(f'"{c}"::text LIKE %s' for c in columns for _ in needles)
            cursor.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE {test})',
                [f"%{n}%" for _ in columns for n in needles],
            )
            if cursor.fetchone()[0]:
                found.add(table)
    return found


@pytest.fixture
def world(national_matcher, agencies):
    directory = loaders.load_directory()
    key, _ = IntakeKey.objects.issue("citizen-retention-test")

    def filed(description, name, contact, *, finish=True, note=""):
        lon, lat = DAN_MUANG_KHAM
        filing = intake.Filing(
            lon=lon,
            lat=lat,
            categories=("street_light",),
            description=description,
            reporter_name=name,
            reporter_contact=contact,
            intake_key_id=key.id,
        )
        complaint, _ = commands.file(filing, matcher=national_matcher, directory=directory)
        if finish:
            commands.transition(complaint.id, "start", note=note)
            commands.transition(complaint.id, "finish")
        return complaint

    old = filed(
        f"ไฟดับ ไลน์ somying_kss_0147 โทร {OLD_PHONE} บัตร {OLD_ID}", OLD_NAME, OLD_CONTACT, note="โทรกลับ 0895550147"
    )
    commands.confirm(
        old.id, key.id, confirmation.Answer(True, 4, f"ขอบคุณค่ะ {OLD_NAME}"), now=timezone.now(), source="t"
    )
    # Copies outside the complaint: a failed delivery's attempt, a subscription's batch on the wire
    # and a dead letter, each quoting the reporter.
    delivery = Delivery.objects.filter(complaint=old).first()
    Attempt.objects.create(
        delivery=delivery, number=1, at=timezone.now(), duration_ms=5, error=f"echo: {OLD_PHONE}", outcome="retry"
    )
    subscription = Subscription.objects.create(
        intake_key=key,
        callback_url="https://bot.example.org/x",
        pending={"body": {"changes": [{"complaint_id": old.id, "note": f"ติดต่อ {OLD_CONTACT}"}]}},
    )
    DeadLetter.objects.create(
        subscription=subscription,
        delivery_id="6f0b5c2e-1111-4b4b-8c8c-000000000147",
        after="a",
        next="b",
        changes=1,
        body={"changes": [{"complaint_id": old.id, "note": f"{OLD_NAME} {OLD_PHONE}"}]},
        reason="rejected",
        attempts=1,
        at=timezone.now(),
    )
    recent = filed(f"ไฟดับ โทร {NEW_PHONE}", "ผู้แจ้ง ใหม่", NEW_CONTACT)
    still_open = filed("ไฟดับ recent_open", "ผู้แจ้ง เปิด", OPEN_CONTACT, finish=False)
    # Backdate: the old complaint was closed 400 days ago, the recent one 10 days ago; the open one
    # was filed 400 days ago and is still open.
    ago = timezone.now() - timedelta(days=400)
    HistoryEntry.objects.filter(complaint=old).update(at=ago)
    HistoryEntry.objects.filter(complaint=recent).update(at=timezone.now() - timedelta(days=10))
    HistoryEntry.objects.filter(complaint=still_open).update(at=ago)
    Complaint.objects.filter(id=still_open.id).update(created=ago)
    return {"old": old, "recent": recent, "open": still_open, "key": key}


COPIES = {
    "complaints_complaint",
    "complaints_historyentry",
    "complaints_confirmation",
    "delivery_delivery",
    "delivery_attempt",
    "subscriptions_subscription",
    "subscriptions_deadletter",
}


def test_the_job_leaves_no_contact_data_past_the_window(world, settings):
    settings.GEO_RETENTION_DAYS = 365
    assert tables_holding(*OLD_TRACES) == COPIES  # the search finds every copy planted
    kept_before = tables_holding("recent_kss_2291", "777-2291", "open_kss_3382")
    recent_before = Complaint.objects.get(id=world["recent"].id)
    figures_before = stats.summary("district", stats.Scope(area=AREA))

    out = io.StringIO()
    call_command("anonymise", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 complaints would be anonymised")  # only the old one is due
    call_command("anonymise", stdout=out)

    assert tables_holding(*OLD_TRACES) == set()
    old = Complaint.objects.get(id=world["old"].id)
    assert (old.reporter_name, old.reporter_contact, old.request_fingerprint) == ("", "", "")
    assert old.description == ("ไฟดับ ไลน์ [personal data removed] โทร [phone hidden] บัตร [national ID hidden]")
    assert old.status == "finished" and old.agency.code == "SAO-471503" and old.anonymised_at is not None
    assert old.history.order_by("id").last().event == "anonymised"
    # Inside the window, and open complaints: untouched.
    assert tables_holding("recent_kss_2291", "777-2291", "open_kss_3382") == kept_before
    recent = Complaint.objects.get(id=world["recent"].id)
    assert (recent.reporter_contact, recent.description) == (NEW_CONTACT, recent_before.description)
    assert Complaint.objects.get(id=world["open"].id).reporter_contact == OPEN_CONTACT
    assert stats.summary("district", stats.Scope(area=AREA)) == figures_before
    # A second run finds nothing more to do.
    assert world["old"].id not in retention.due(timezone.now())


def test_the_workers_run_the_job_daily():
    from procrastinate.contrib.django import app

    from complaints import tasks

    assert tasks.anonymise.name == "complaints.anonymise" and "complaints.anonymise" in app.tasks
    periodic = [p for p in app.periodic_registry.periodic_tasks.values() if p.task.name == "complaints.anonymise"]
    assert [p.cron for p in periodic] == ["17 3 * * *"]


def test_the_window_is_a_setting(world, settings):
    settings.GEO_RETENTION_DAYS = 5
    due = retention.due(timezone.now())
    assert world["old"].id in due and world["recent"].id in due and world["open"].id not in due
    settings.GEO_RETENTION_DAYS = 500
    assert world["old"].id not in retention.due(timezone.now())


def test_the_subject_access_export_returns_everything_held(world):
    old = world["old"]
    second = Complaint.objects.create(
        location=old.location,
        categories=["road"],
        description="ถนนพัง",
        reporter_contact="LINE:SOMYING_KSS_0147 ",  # the same contact, written differently
        district_code=AREA,
    )
    history = sorted(HistoryEntry.objects.filter(complaint=old).values_list("id", flat=True))
    deliveries = [str(u) for u in Delivery.objects.filter(complaint=old).values_list("uuid", flat=True)]
    held = subject_access.export(OLD_CONTACT)
    assert [c["id"] for c in held["complaints"]] == [old.id, second.id]
    first = held["complaints"][0]
    assert first["reporter"] == {"name": OLD_NAME, "contact": OLD_CONTACT}
    assert first["description"] == f"ไฟดับ ไลน์ somying_kss_0147 โทร {OLD_PHONE} บัตร {OLD_ID}"
    # created, start, finish, the question, the answer: five entries.
    assert [h["id"] for h in first["history"]] == history and len(history) == 5
    assert [h["event"] for h in first["history"]] == [
        "created",
        "transition",
        "transition",
        "confirmation_asked",
        "confirmation_given",
    ]
    assert [(r["fixed"], r["rating"], r["comment"]) for r in first["confirmations"]] == [
        (True, 4, f"ขอบคุณค่ะ {OLD_NAME}")
    ]
    assert [d["id"] for d in first["deliveries"]] == deliveries and len(deliveries) == 1
    assert first["deliveries"][0]["payload"]["complaint"]["id"] == old.id
    assert held["complaints"][1]["history"] == [] and held["complaints"][1]["deliveries"] == []
    assert subject_access.export(NEW_CONTACT)["complaints"][0]["id"] == world["recent"].id


def test_a_phone_number_finds_its_reporter_however_it_is_written(world):
    a = world["recent"]
    Complaint.objects.filter(id=a.id).update(reporter_contact="086-777-2291")
    b = Complaint.objects.create(location=a.location, reporter_contact="+66 86 777 2291", district_code=AREA)
    c = Complaint.objects.create(location=a.location, reporter_contact="๐๘๖๗๗๗๒๒๙๑", district_code=AREA)
    Complaint.objects.create(location=a.location, reporter_contact="086-777-2290", district_code=AREA)
    for written in ("0867772291", "+66867772291", "086 777 2291"):
        assert sorted(x.id for x in subject_access.complaints_of(written)) == [a.id, b.id, c.id], written


def test_erasure_on_request_keeps_the_complaint_and_its_statistics(world):
    figures = stats.summary("district", stats.Scope(area=AREA))
    by_status = stats.summary("status", stats.Scope(area=AREA))
    count = Complaint.objects.filter(district_code=AREA).count()
    done = subject_access.erase(NEW_CONTACT, Actor("operator", "dpo"))
    assert done.complaints == [world["recent"].id]
    assert tables_holding("recent_kss_2291", "777-2291", "ผู้แจ้ง ใหม่") == set()
    assert Complaint.objects.filter(district_code=AREA).count() == count
    assert stats.summary("district", stats.Scope(area=AREA)) == figures
    assert stats.summary("status", stats.Scope(area=AREA)) == by_status
    last = Complaint.objects.get(id=world["recent"].id).history.order_by("id").last()
    assert (last.event, last.data, last.actor_role) == ("anonymised", {"why": "request"}, "operator")
    # The others are untouched: the old one is past the window but nobody asked, and no job ran.
    assert Complaint.objects.get(id=world["old"].id).reporter_contact == OLD_CONTACT
