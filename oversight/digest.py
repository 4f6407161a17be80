"""The daily digest e-mail per agency: its overdue work and what was escalated to it, with a link to
each complaint's page in the officers' workspace. Thai first, then English (as delivery e-mails).

Once per agency per day: oversight.models.DigestSent is written in the transaction that sends,
so a second run the same day skips the agency, and a send that fails leaves no row (the job's
retry sends it). Sent by the workers (oversight/tasks.py) or `manage.py send_digests`.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from access.models import StaffProfile
from complaints.lifecycle import OPEN_STATES
from routing.models import Agency

from .dates import thai_datetime
from .models import DigestSent

log = logging.getLogger(__name__)
LISTED = 50  # complaints listed per section; the count says how many there are

OPEN = ", ".join(f"'{s}'" for s in OPEN_STATES)
SQL = f"""
    SELECT kind, agency_id, id, category, status, due_at, total FROM (
        SELECT 'overdue' AS kind, c.agency_id, c.id, c.categories->>0 AS category, c.status, c.due_at,
               count(*) OVER w AS total, row_number() OVER (w ORDER BY c.due_at, c.id) AS n
        FROM complaints_complaint c
        WHERE c.parent_id IS NULL AND c.status IN ({OPEN}) AND c.due_at <= %(now)s AND c.agency_id IS NOT NULL
        WINDOW w AS (PARTITION BY c.agency_id)
        UNION ALL
        SELECT 'escalated', c.escalated_to_id, c.id, c.categories->>0, c.status, c.due_at,
               count(*) OVER w, row_number() OVER (w ORDER BY c.due_at, c.id)
        FROM complaints_complaint c
        WHERE c.parent_id IS NULL AND c.status IN ({OPEN}) AND c.escalated_to_id IS NOT NULL
        WINDOW w AS (PARTITION BY c.escalated_to_id)
    ) listed WHERE n <= %(listed)s ORDER BY agency_id, kind DESC, n
"""


@dataclass
class Work:
    overdue: list = field(default_factory=list)
    escalated: list = field(default_factory=list)
    overdue_total: int = 0
    escalated_total: int = 0


@dataclass
class Result:
    sent: dict = field(default_factory=dict)  # agency code -> recipients
    already: list = field(default_factory=list)  # sent earlier today
    no_recipient: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)  # agency code -> error


def work(now: datetime) -> dict[int, Work]:
    """agency id -> its overdue and escalated-to-it open complaints (two window queries in one)."""
    out: dict[int, Work] = {}
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"now": now, "listed": LISTED})
        for kind, agency_id, number, category, status, due_at, total in cursor.fetchall():
            entry = out.setdefault(agency_id, Work())
            getattr(entry, kind).append({"id": number, "category": category, "status": status, "due_at": due_at})
            setattr(entry, f"{kind}_total", total)
    return out


SPLIT = re.compile(r"[,;\s]+")


def recipients(agency: Agency) -> list[str]:
    """The agency's address(es) and its active officers' e-mail addresses."""
    found = [a for a in SPLIT.split(agency.email or "") if "@" in a]
    officers = StaffProfile.objects.filter(agency=agency, user__is_active=True).exclude(user__email="")
    found += officers.values_list("user__email", flat=True)
    return sorted({a.strip().lower() for a in found})


def link(number: int) -> str:
    return f"{settings.GEO_PUBLIC_URL}/work/complaints/{number}/"


def _lines(items, total, title_th, title_en, language):
    title = title_th if language == "th" else title_en
    out = [f"{title}: {total}"]
    for item in items:
        due = (
            thai_datetime(item["due_at"])
            if language == "th"
            else f"{timezone.localtime(item['due_at']):%Y-%m-%d %H:%M}"
        )
        label = "กำหนด" if language == "th" else "due"
        out.append(f"  #{item['id']} {item['category'] or '-'} ({item['status']}), {label} {due}: {link(item['id'])}")
    if total > len(items):
        more = len(items)
        out.append(f"  ... {total - more} " + ("เรื่องเพิ่มเติมในกล่องงาน" if language == "th" else "more in the inbox"))
    return out


def compose(agency: Agency, entry: Work, day) -> tuple[str, str]:
    subject = (
        f"[สรุปประจำวัน {day.day}/{day.month}/{day.year + 543}] {agency.name_th}: "
        f"เกินกำหนด {entry.overdue_total}, ยกระดับมา {entry.escalated_total} / "
        f"Daily digest: {entry.overdue_total} overdue, {entry.escalated_total} escalated"
    )
    inbox = f"{settings.GEO_PUBLIC_URL}/work/"
    th = [
        f"สรุปงานประจำวันของ {agency.name_th}",
        "",
        *_lines(entry.overdue, entry.overdue_total, "เรื่องที่เกินกำหนด", "Overdue", "th"),
        "",
        *_lines(entry.escalated, entry.escalated_total, "เรื่องที่ยกระดับมาถึงหน่วยงาน", "Escalated to you", "th"),
        "",
        f"กล่องงาน: {inbox}",
    ]
    en = [
        f"Daily digest for {agency.name_en or agency.code}",
        "",
        *_lines(entry.overdue, entry.overdue_total, "เรื่องที่เกินกำหนด", "Overdue", "en"),
        "",
        *_lines(entry.escalated, entry.escalated_total, "เรื่องที่ยกระดับมาถึงหน่วยงาน", "Escalated to you", "en"),
        "",
        f"Inbox: {inbox}",
    ]
    return subject, "\n".join([*th, "", "----", "", *en]) + "\n"


def send_all(now: datetime | None = None) -> Result:
    now = now or timezone.now()
    day = timezone.localdate(now)
    result = Result()
    found = work(now)
    agencies = Agency.objects.in_bulk(list(found))
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    for agency_id, entry in sorted(found.items()):
        agency = agencies[agency_id]
        to = recipients(agency)
        if not to:
            result.no_recipient.append(agency.code)
            continue
        subject, body = compose(agency, entry, day)
        message = EmailMessage(
            subject=subject, body=body, to=to, headers={"Message-ID": f"<digest-{agency.code}-{day}@{domain}>"}
        )
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        DigestSent.objects.create(
                            agency=agency,
                            day=day,
                            recipients=to,
                            overdue=entry.overdue_total,
                            escalated=entry.escalated_total,
                        )
                except IntegrityError:
                    result.already.append(agency.code)
                    continue
                # Sent inside the transaction: a failure rolls the row back and the retry sends it.
                get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT).send_messages([message])
        except Exception as exc:  # one agency's mail server problem must not stop the others
            log.warning("digest for %s not sent: %s", agency.code, exc)
            result.failed[agency.code] = str(exc)[:300]
            continue
        result.sent[agency.code] = to
    return result
