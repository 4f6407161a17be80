"""schedule(): called inside the transaction that changes a complaint. The Delivery rows and the
jobs that send them commit with that change or not at all."""

import uuid

from django.conf import settings

from . import jobs
from .clock import now
from .models import (
    DEAD,
    DELIVERED,
    EMAIL,
    ESCALATION,
    HELD,
    NEW,
    NONE,
    OPEN311,
    PENDING,
    RETRYING,
    SENDING,
    UNREACHABLE,
    WEBHOOK,
    WITHDRAWAL,
    WITHDRAWN,
    Delivery,
)
from .payload import build

FORWARDABLE = (NEW, ESCALATION)


def channels(agency, kind: str = NEW) -> list[str]:
    """The channels deliveries of this kind to this agency can use now."""
    found = []
    if agency.webhook_url:
        found.append(WEBHOOK)
    # GeoReport v2 can file a request but has no way to withdraw one or remind about it.
    if agency.open311_endpoint and kind in FORWARDABLE:
        found.append(OPEN311)
    if agency.email and settings.EMAIL_HOST:
        found.append(EMAIL)
    return found


def unreachable_reason(agency, kind: str) -> str:
    if agency.open311_endpoint and kind not in FORWARDABLE:
        return f"{agency.code} is reached only through Open311, which cannot carry a {kind}"
    if agency.email and not settings.EMAIL_HOST:
        return f"{agency.code} can only be reached by e-mail and no SMTP server is configured (EMAIL_HOST)"
    return f"{agency.code} has no webhook, Open311 endpoint or e-mail"


def schedule(complaint, agency, kind: str = NEW, note: str = "") -> list[Delivery]:
    """One Delivery per usable channel of the agency, each queued for its sender; an agency with
    none gets one dead 'unreachable' Delivery, so it shows in the reports instead of vanishing."""
    if agency is None:
        return []
    at = now()
    made = []
    for channel in channels(agency, kind) or [NONE]:
        delivery_id = uuid.uuid4()
        made.append(
            Delivery(
                uuid=delivery_id,
                complaint=complaint,
                agency=agency,
                channel=channel,
                kind=kind,
                payload=build(complaint, agency, kind=kind, delivery_id=str(delivery_id), note=note),
                created=at,
                next_attempt_at=at,
                window_start=at,
            )
        )
    if made[0].channel == NONE:
        made[0].state, made[0].reason, made[0].last_error = DEAD, UNREACHABLE, unreachable_reason(agency, kind)
    Delivery.objects.bulk_create(made)
    for delivery in made:
        if delivery.state == PENDING:
            jobs.nudge(delivery.agency_id, delivery.channel)
    return made


def handover(complaint, previous, current, note: str = "") -> None:
    """The complaint changed hands (forwarded, or its pin or category corrected): the new agency
    gets it, the old one a withdrawal notice. Nothing when the agency stayed the same."""
    if previous == current:
        return
    schedule(complaint, current, kind=NEW, note=note)
    if previous is None:
        return
    # What has not gone out yet is taken back; a notice only if something did reach the agency.
    earlier = Delivery.objects.filter(complaint=complaint, agency=previous)
    earlier.filter(state__in=(PENDING, RETRYING, HELD)).update(
        state=WITHDRAWN,
        last_error=f"withdrawn before it went out: the complaint went to {getattr(current, 'code', None)}",
    )
    if earlier.filter(state__in=(DELIVERED, SENDING)).exists():
        schedule(complaint, previous, kind=WITHDRAWAL, note=note)
