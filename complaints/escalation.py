"""The escalation sweep: reminders before a deadline, escalation at it. Plain Python with the clock
as a parameter, run by `manage.py escalate` and periodically by the workers.

Each complaint whose alarm has rung is handled in the batch's transaction, locked with SKIP LOCKED
so several sweeps never handle one complaint twice; the delivery to the agency is scheduled in the
same transaction (events.Alerted, handled by delivery/), so a committed escalation always has its
delivery and a rolled-back one never.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from routing.models import Agency
from routing.rules.escalation import next_level

from . import changes, deadlines, events, lifecycle
from .events import ESCALATION, REMINDER
from .intake import targets_of
from .models import Complaint

BATCH = 200


@dataclass
class Sweep:
    reminded: list = field(default_factory=list)  # complaint ids
    escalated: list = field(default_factory=list)  # (complaint id, agency code)
    at_top: list = field(default_factory=list)  # complaint ids with nobody left above


def schedule_delivery(complaint: Complaint, agency: Agency, kind: str) -> None:
    """A reminder or an escalation notice to an agency, through its usual channels."""
    events.emit(events.Alerted(complaint, agency, kind))


def sweep(now: datetime, *, directory, batch: int = BATCH) -> Sweep:
    """Handle every complaint whose alarm is at or before `now`."""
    done = Sweep()
    while True:
        with transaction.atomic():
            due = list(
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("agency", "escalated_to")
                .filter(alarm_at__lte=now)
                .order_by("alarm_at", "id")[:batch]
            )
            for complaint in due:
                _handle(complaint, now, directory, done)
        if len(due) < batch:
            return done


def _handle(complaint: Complaint, now: datetime, directory, done: Sweep):
    if complaint.status not in lifecycle.OPEN_STATES or complaint.due_at is None:
        complaint.alarm_at = None  # a stale alarm: nothing is due any more
        complaint.save(update_fields=["alarm_at"])
        return
    if now < complaint.due_at:
        _remind(complaint, done)
    else:
        _escalate(complaint, now, directory, done)


def _remind(complaint: Complaint, done: Sweep):
    complaint.alarm_at = complaint.due_at
    complaint.save(update_fields=["alarm_at"])
    stage = deadlines.stage(complaint.status)
    changes.record(
        complaint,
        "reminded",
        data={"agency": _code(complaint.agency), "due_at": complaint.due_at.isoformat(), "stage": stage},
    )
    if complaint.agency:
        schedule_delivery(complaint, complaint.agency, REMINDER)
    done.reminded.append(complaint.id)


def _escalate(complaint: Complaint, now: datetime, directory, done: Sweep):
    current = complaint.escalated_to or complaint.agency
    stage = deadlines.stage(complaint.status)
    missed = complaint.due_at
    above = None
    if current is not None:
        category = complaint.categories[0] if complaint.categories else "other"
        codes = (complaint.province_code, complaint.district_code, complaint.subdistrict_code)
        passed = {a.code for a in (complaint.agency, complaint.escalated_to) if a}
        above = next_level(directory, category=category, codes=codes, kind=current.kind, passed=passed)
    if above is None:
        # Nobody left above: the complaint stays overdue (due_at kept) and the sweep stops looking.
        complaint.alarm_at = None
        complaint.save(update_fields=["alarm_at"])
        changes.record(complaint, "overdue", data={"due_at": missed.isoformat(), "stage": stage, "at_top": True})
        done.at_top.append(complaint.id)
        return
    target = Agency.objects.get(code=above.code)
    complaint.escalated_to = target
    complaint.escalation_level += 1
    plan = deadlines.extended(complaint.status, now=now, targets=targets_of(complaint))
    complaint.due_at, complaint.alarm_at = plan.due_at, plan.alarm_at
    complaint.revision += 1  # a staff member who read it before the escalation is told it changed
    complaint.save(update_fields=["escalated_to", "escalation_level", "due_at", "alarm_at", "revision", "updated"])
    changes.record(
        complaint,
        "escalated",
        data={
            "level": complaint.escalation_level,
            "from_agency": _code(current),
            "to_agency": target.code,
            "missed": missed.isoformat(),
            "stage": stage,
            "due_at": plan.due_at.isoformat() if plan.due_at else None,
        },
    )
    schedule_delivery(complaint, target, ESCALATION)
    done.escalated.append((complaint.id, target.code))


def _code(agency):
    return agency.code if agency else None
