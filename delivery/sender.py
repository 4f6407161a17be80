"""The sender: works through one agency's queue on one channel, oldest first, one at a time (the
job's lock). A retry blocks the deliveries behind it (the agency's order is kept) but never
another agency's or channel's queue. Each request to the agency's servers takes one of the
agency's outbound slots (delivery/slots.py); with none free the job hands over to a later one."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction

from complaints import changes
from complaints.actors import Actor
from complaints.models import Complaint

from . import jobs, slots
from .channels import send
from .clock import now
from .models import DEAD, DELIVERED, EMAIL, HELD, QUEUED, RETRYING, SENDING, AgencyDelivery, Attempt, Delivery
from .outcome import Outcome
from .policy import DELIVERED as OK
from .policy import RETRY, Decision, RetryPolicy

DELIVERY = Actor("system", "delivery")
log = logging.getLogger(__name__)

# One job sends at most this many before handing over to a fresh job, so a busy agency's sender
# gives the workers back now and then.
BATCH = 500


def drain(
    agency_id: int, channel: str, policy: RetryPolicy | None = None, stop: Callable[[], bool] = lambda: False
) -> int:
    """Send what is due for (agency, channel); returns how many attempts were made. `stop()` true
    (the worker is shutting down) hands the rest over to a new job."""
    policy = policy or RetryPolicy.from_settings()
    made = 0
    # E-mail goes to our own SMTP server, not the agency's: no slot of the agency's.
    tenant = None if channel == EMAIL else f"agency-{agency_id}"
    while made < BATCH and not stop():
        with slots.held(tenant) as free:
            if not free:
                jobs.busy(agency_id, channel)
                return made
            delivery = _claim(agency_id, channel)
            if delivery is None:
                return made
            outcome = _attempt(delivery)
        made += 1
        if _record(delivery, outcome, policy) == RETRY:
            return made  # the deliveries behind it wait: the agency's order is kept
    jobs.nudge(agency_id, channel)
    return made


def _claim(agency_id: int, channel: str) -> Delivery | None:
    """The oldest queued delivery if it is due, marked sending; None when there is nothing to do now."""
    with transaction.atomic():
        # Locked against a concurrent resume: a delivery is either held before the resume reads
        # the held ones, or sees the agency resumed.
        settings = AgencyDelivery.objects.select_for_update().filter(agency_id=agency_id).first()
        if settings is None:
            AgencyDelivery.of(agency_id)
            settings = AgencyDelivery.objects.select_for_update().get(agency_id=agency_id)
        queue = Delivery.objects.filter(agency_id=agency_id, channel=channel, state__in=QUEUED).order_by("id")
        if settings.paused:
            queue.update(state=HELD)
            return None
        head = queue.select_related("agency").select_for_update(of=("self",)).first()
        if head is None:
            return None
        if head.next_attempt_at > now():
            jobs.wake_at(agency_id, channel, head.next_attempt_at)
            return None
        head.state = SENDING
        head.attempts += 1
        head.save(update_fields=["state", "attempts"])
        head.had_problem = channel in settings.problems
        head.settings = settings  # the channels need its secret and keys: no second read
        return head


def _attempt(delivery: Delivery) -> Outcome:
    try:
        return send(delivery)
    except Exception as exc:  # a bug in one channel must not stop the worker: recorded, retried
        log.exception("delivery %s: %s failed", delivery.uuid, delivery.channel)
        return Outcome(error="internal error", detail=f"{type(exc).__name__}: {exc}"[:1000])


def _record(delivery: Delivery, outcome: Outcome, policy: RetryPolicy) -> str:
    at = now()
    decision = policy.judge(outcome, attempt=delivery.attempts, window_start=delivery.window_start, now=at)
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=at - timedelta(milliseconds=outcome.duration_ms),
            duration_ms=outcome.duration_ms,
            status_code=outcome.status,
            error="" if outcome.ok else outcome.describe(),
            detail=outcome.detail,
            outcome=decision.verdict,
            next_attempt_at=decision.next_attempt_at,
        )
        fields = {"last_status": outcome.status, "last_error": "" if decision.verdict == OK else decision.message}
        if decision.verdict == OK:
            fields.update(
                state=DELIVERED,
                delivered_at=at,
                remote_id=outcome.details.get("remote_id", "")[:200],
                remote_token=outcome.details.get("remote_token", "")[:200],
            )
        elif decision.verdict == RETRY:
            fields.update(state=RETRYING, next_attempt_at=decision.next_attempt_at)
        else:
            fields.update(state=DEAD, reason=decision.reason)
        # Only if still sending: withdrawn or re-queued by an operator meanwhile, theirs wins.
        if not Delivery.objects.filter(id=delivery.id, state=SENDING).update(**fields):
            return decision.verdict
        for name, value in fields.items():
            setattr(delivery, name, value)
        if decision.verdict == RETRY:
            jobs.wake_at(delivery.agency_id, delivery.channel, decision.next_attempt_at)
        _note_problem(delivery, outcome, decision)
        if decision.verdict != RETRY:
            _history(delivery, decision)
    return decision.verdict


def _note_problem(delivery: Delivery, outcome: Outcome, decision: Decision) -> None:
    """The agency's latest failure per channel, cleared by the next success: what an operator checks."""
    if decision.verdict == OK and not getattr(delivery, "had_problem", True):
        return  # the common case: nothing to clear, no query
    settings = AgencyDelivery.objects.select_for_update().get(agency_id=delivery.agency_id)
    problems = dict(settings.problems)
    if decision.verdict == OK:
        problems.pop(delivery.channel, None)
    else:
        problems[delivery.channel] = {
            "error": decision.message,
            "configuration": outcome.config_problem,
            "at": now().isoformat(),
            "delivery": str(delivery.uuid),
        }
    settings.problems = problems
    settings.save(update_fields=["problems"])


def _history(delivery: Delivery, decision: Decision) -> None:
    changes.record(
        Complaint.objects.get(id=delivery.complaint_id),
        "delivered" if decision.verdict == OK else "delivery_failed",
        actor=DELIVERY,
        note="" if decision.verdict == OK else decision.message[:1000],
        data={
            "delivery_id": str(delivery.uuid),
            "agency": delivery.payload.get("sent_to", {}).get("code"),
            "channel": delivery.channel,
            "kind": delivery.kind,
            "attempts": delivery.attempts,
            **({"reason": delivery.reason} if decision.verdict != OK else {}),
        },
        also_agency_id=delivery.agency_id,  # the agency a notice went to sees how it went
    )
