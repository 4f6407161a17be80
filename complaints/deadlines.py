"""Deadlines, in plain Python: by when the responsible agency must first answer, by when it must be
done, and when the escalation sweep should look at a complaint next.

A complaint waiting for an answer (filed, forwarded, reopened, or moved to another agency) gives
that agency the response window from now; once work has started the deadline is the resolution
target counted from filing. The sweep looks first some hours before the deadline (a reminder to
the agency), then at the deadline itself (escalation); after an escalation the next level gets a
fresh window of the same stage.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from .lifecycle import FOLLOW_UP, FORWARDED, IN_PROGRESS, WAITING

AWAITING_RESPONSE = (WAITING, FORWARDED)
IN_WORK = (IN_PROGRESS, FOLLOW_UP)


@dataclass(frozen=True)
class Policy:
    response_hours: float = 24
    reminder_hours: float = 4
    default_hours: float = 72  # a category without a target
    hours_by_kind: tuple = ()  # (agency kind, resolution hours) replacing the category's target

    @classmethod
    def from_settings(cls) -> "Policy":
        by_kind = settings.GEO_TARGET_HOURS_BY_KIND
        return cls(
            response_hours=float(settings.GEO_RESPONSE_HOURS),
            reminder_hours=float(settings.GEO_REMINDER_HOURS),
            hours_by_kind=tuple(sorted((str(k), float(v)) for k, v in by_kind.items())),
        )


@dataclass(frozen=True)
class Targets:
    response: timedelta
    resolution: timedelta
    reminder: timedelta


def targets(category_hours: float | None, agency_kind: str | None, policy: Policy | None = None) -> Targets:
    policy = policy or Policy.from_settings()
    resolution = dict(policy.hours_by_kind).get(agency_kind or "", category_hours or policy.default_hours)
    # An answer can never be due after the work itself.
    response = min(policy.response_hours, resolution)
    return Targets(timedelta(hours=response), timedelta(hours=resolution), timedelta(hours=policy.reminder_hours))


@dataclass(frozen=True)
class Schedule:
    due_at: datetime | None
    alarm_at: datetime | None


NONE = Schedule(None, None)


def stage(status: str) -> str | None:
    if status in AWAITING_RESPONSE:
        return "response"
    if status in IN_WORK:
        return "resolution"
    return None


def schedule(status: str, *, created: datetime, now: datetime, targets: Targets) -> Schedule:
    """The deadline of the stage a complaint has just entered, and when the sweep looks first."""
    current = stage(status)
    if current is None:
        return NONE
    due = now + targets.response if current == "response" else created + targets.resolution
    return Schedule(due, alarm(due, now, targets))


def extended(status: str, *, now: datetime, targets: Targets) -> Schedule:
    """After an escalation: the next level gets a fresh window of the same stage."""
    current = stage(status)
    if current is None:
        return NONE
    due = now + (targets.response if current == "response" else targets.resolution)
    return Schedule(due, alarm(due, now, targets))


def alarm(due: datetime, now: datetime, targets: Targets) -> datetime:
    reminder = due - targets.reminder
    return reminder if reminder > now else due


def overdue(status: str, due_at: datetime | None, now: datetime) -> bool:
    return stage(status) is not None and due_at is not None and due_at <= now
