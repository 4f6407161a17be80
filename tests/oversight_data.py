"""A small, hand-made set of complaints in Narathiwat (province 96) for the oversight tests, with
every figure the scorecard should give written down below (not derived from the code).

Period: Monday 2 to Sunday 15 November 2026 (ISO weeks 45 and 46), Bangkok time; `NOW` is fixed.

Agency T-A (Narathiwat town, "ทดสอบ ก"):
  a1 filed 3 Nov 10:00, first response +2 h, finished +10 h
  a2 filed 4 Nov 10:00, first response +4 h, finished +30 h, reopened once before
  a3 filed 10 Nov 10:00, first response +6 h, in progress, due NOW - 1 h       (overdue)
  a4 filed 11 Nov 10:00, waiting, due NOW + 5 h                                (not overdue)
  a5 filed 1 Oct (before the period), in progress, due NOW - 48 h             (overdue, old)
  a6 filed 5 Nov, merged into a1                                               (never counted)
  ratings (on a1, a2): 5, 4, 3, 4, 5 -> 5 ratings, mean 4.2
Agency T-B ("ทดสอบ ข"):
  b1 filed 12 Nov 09:00, first response +1 h, finished +3 h
  b2 filed 20 Nov (after the period), finished                                 (not counted)
  ratings (on b1): 5, 5, 5, 5 -> 4 ratings, mean not published
No agency (waiting for an operator): n1 filed 6 Nov 08:00, waiting, no deadline

Expected:
  T-A: received 4, done 2, median first response 4.0 h (2, 4, 6), median to done 20.0 h (10, 30),
       open now 3 (a3, a4, a5), overdue now 2 -> share 0.6667, reopen rate 1/4 = 0.25, rating 4.2 (5)
  T-B: received 1, done 1, response 1.0 h, done 3.0 h, open 0 -> share None, reopen 0.0, rating None (4)
  none: received 1, done 0, medians None, open 1, overdue 0 -> share 0.0, reopen 0.0
  weeks: 2026-W45 received 3 (a1, a2, n1) done 2 (a1, a2); 2026-W46 received 3 (a3, a4, b1) done 1 (b1)
  overdue map: a5 then a3 (longest overdue first)
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.gis.geos import Point

BANGKOK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2026, 11, 16, 12, 0, tzinfo=BANGKOK)
SINCE, UNTIL = date(2026, 11, 2), date(2026, 11, 16)
PROVINCE = "96"
OTHER_PROVINCE = "53"


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, 0, tzinfo=BANGKOK)


def build():
    """Creates the agencies and complaints above; returns {name: object}."""
    from access.models import IntakeKey
    from complaints.models import Complaint, Confirmation
    from routing.models import Agency

    a = Agency.objects.create(code="T-A", name_th="ทดสอบ ก", name_en="Test A", kind="test", jurisdiction_code="9601")
    b = Agency.objects.create(code="T-B", name_th="ทดสอบ ข", name_en="Test B", kind="test", jurisdiction_code="9602")
    # An agency of another province, with a complaint there: never in Narathiwat's figures.
    c = Agency.objects.create(code="T-C", name_th="ทดสอบ ค", name_en="Test C", kind="test", jurisdiction_code="5301")

    def complaint(agency, created, status, *, response=None, done=None, due=None, reopen=0, parent=None, where="96"):
        sub = where + "0101" if len(where) == 2 else where
        return Complaint.objects.create(
            location=Point(101.82, 6.43) if where.startswith("96") else Point(100.1, 17.62),
            categories=["road"],
            description="private words of a reporter",
            reporter_name="Somchai Private",
            reporter_contact="081-234-5678",
            status=status,
            agency=agency,
            province_code=sub[:2],
            district_code=sub[:4],
            subdistrict_code=sub,
            created=created,
            first_response_at=created + timedelta(hours=response) if response is not None else None,
            resolved_at=created + timedelta(hours=done) if done is not None else None,
            due_at=due,
            reopen_count=reopen,
            parent=parent,
        )

    made = {"A": a, "B": b, "C": c}
    made["a1"] = complaint(a, at(11, 3), "finished", response=2, done=10)
    made["a2"] = complaint(a, at(11, 4), "finished", response=4, done=30, reopen=1)
    made["a3"] = complaint(a, at(11, 10), "in_progress", response=6, due=NOW - timedelta(hours=1))
    made["a4"] = complaint(a, at(11, 11), "waiting", due=NOW + timedelta(hours=5))
    made["a5"] = complaint(a, at(10, 1), "in_progress", response=3, due=NOW - timedelta(hours=48))
    made["a6"] = complaint(a, at(11, 5), "finished", response=2, done=10, parent=made["a1"])
    made["b1"] = complaint(b, at(11, 12, 9), "finished", response=1, done=3)
    made["b2"] = complaint(b, at(11, 20), "finished", response=1, done=2)
    made["n1"] = complaint(None, at(11, 6, 8), "waiting")
    made["c1"] = complaint(c, at(11, 5), "in_progress", response=1, due=NOW - timedelta(hours=3), where="53")
    key, _ = IntakeKey.objects.issue("oversight-tests")
    for target, agency, ratings in ((made["a1"], a, (5, 4, 3)), (made["a2"], a, (4, 5)), (made["b1"], b, (5,) * 4)):
        for rating in ratings:
            Confirmation.objects.create(
                complaint=target,
                agency=agency,
                intake_key=key,
                asked_at=target.resolved_at,
                expires_at=target.resolved_at + timedelta(days=7),
                answered_at=target.resolved_at + timedelta(hours=1),
                fixed=True,
                rating=rating,
            )
    return made
