"""The real Traffy Fondue Bangkok complaints, routed through the engine and stored as demo data.

Idempotent: each ticket id is stored once (source "traffy"), so re-running adds nothing. The CSV
gives each ticket's current state but not when it changed, so imported states carry an
`imported` history entry and no response/resolution times (statistics leave them out).
"""

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from routing.engine.matcher import Matcher
from routing.engine.points import PointError, check_range, coordinate
from routing.models import Category
from routing.rules.responsibility import Directory

from . import changes, commands, intake, lifecycle
from .changes import Actor
from .models import Complaint

SOURCE = "traffy"


def demo_file() -> Path:
    return settings.GEO_DATA_DIR / "traffy" / "traffy_bangkok_dev.csv"


STATES = {
    "รอรับเรื่อง": lifecycle.WAITING,
    "กำลังดำเนินการ": lifecycle.IN_PROGRESS,
    "inprogress": lifecycle.IN_PROGRESS,
    "เสร็จสิ้น": lifecycle.FINISHED,
    "finish": lifecycle.FINISHED,
    "ส่งต่อ(ใหม่)": lifecycle.FORWARDED,
}


@dataclass
class ImportResult:
    stored: int = 0
    already: int = 0
    rejected: Counter = field(default_factory=Counter)
    states: Counter = field(default_factory=Counter)


def category_codes(labels: str, by_label: dict) -> tuple:
    codes = [by_label[label.strip()] for label in (labels or "").split(",") if label.strip() in by_label]
    return tuple(dict.fromkeys(codes)) or ("other",)


def load(path: Path | str, *, matcher: Matcher, directory: Directory) -> ImportResult:
    by_label = {label: c.code for c in Category.objects.all() for label in c.traffy_labels if label}
    result = ImportResult()
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        ticket = ticket_id(row)
        try:
            lon, lat = coordinate(_float(row.get("lon")), "lon"), coordinate(_float(row.get("lat")), "lat")
            check_range(lon, lat)
        except PointError as exc:
            result.rejected[f"bad coordinates ({exc.field})"] += 1
            continue
        created = _timestamp(row.get("timestamp"))
        filing = intake.Filing(
            lon=lon,
            lat=lat,
            categories=category_codes(row.get("type"), by_label),
            source=SOURCE,
            client_ticket_id=ticket,
            created=created,
        )
        try:
            complaint, fresh = commands.file(filing, matcher=matcher, directory=directory, deliver=False)
        except intake.ComplaintError:
            result.rejected["outside Thailand"] += 1
            continue
        if not fresh:
            result.already += 1
            continue
        result.stored += 1
        state = STATES.get((row.get("state") or "").strip(), lifecycle.WAITING)
        result.states[state] += 1
        if state != lifecycle.WAITING:
            with transaction.atomic():
                complaint.status = state
                complaint.save(update_fields=["status"])
                changes.record(
                    complaint,
                    "imported",
                    from_status=lifecycle.WAITING,
                    actor=Actor("intake", SOURCE),
                    data={"imported": True, "state": row.get("state")},
                )
    return result


def ticket_id(row: dict[str, str]) -> str:
    """The platform's ticket id; rows without one get a stable id from their content, so re-runs match."""
    ticket = (row.get("ticket_id") or "").strip()
    if ticket:
        return ticket
    content = "|".join(row.get(k) or "" for k in ("timestamp", "lon", "lat", "type"))
    return "noid-" + hashlib.sha1(content.encode()).hexdigest()[:12]


def missing_tickets(path: Path | str) -> int:
    """How many tickets of the file are not stored yet (cheap: no routing)."""
    with open(path, encoding="utf-8") as handle:
        tickets = {ticket_id(row) for row in csv.DictReader(handle)}
    stored = set(Complaint.objects.filter(source=SOURCE).values_list("client_ticket_id", flat=True))
    return len(tickets - stored)


def _float(value: str | None) -> float | str | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _timestamp(text: str | None) -> datetime | None:
    """The platform's timestamps; a bare date is taken as local (Bangkok) midnight."""
    text = (text or "").strip()
    if not text:
        return None
    if text.endswith("+00"):
        text += ":00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else timezone.make_aware(moment)
