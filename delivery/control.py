"""What operators (and an agency's own staff) do with deliveries: pause, resume, resend."""

import uuid

from django.db import transaction

from routing.models import Agency

from . import jobs
from .clock import now
from .models import DEAD, HELD, PENDING, QUEUED, AgencyDelivery, Delivery


class NotResendable(ValueError):
    pass


def pause(agency: Agency, by: str = "") -> AgencyDelivery:
    """Nothing more goes out to this agency until resumed; queued deliveries are held in order."""
    with transaction.atomic():
        settings = AgencyDelivery.of(agency.id)
        settings = AgencyDelivery.objects.select_for_update().get(id=settings.id)
        if not settings.paused:
            settings.paused, settings.paused_at, settings.paused_by = True, now(), by[:200]
            settings.save(update_fields=["paused", "paused_at", "paused_by"])
        # Not one on the wire right now (it finishes); the sender holds the rest as it meets them.
        Delivery.objects.filter(agency_id=agency.id, state__in=QUEUED).exclude(state="sending").update(state=HELD)
    return settings


def resume(agency: Agency, by: str = "") -> int:
    """Held deliveries go out again, oldest first; returns how many."""
    with transaction.atomic():
        settings = AgencyDelivery.of(agency.id)
        settings = AgencyDelivery.objects.select_for_update().get(id=settings.id)
        settings.paused, settings.paused_at, settings.paused_by = False, None, ""
        settings.save(update_fields=["paused", "paused_at", "paused_by"])
        held = Delivery.objects.filter(agency_id=agency.id, state=HELD)
        channels = set(held.values_list("channel", flat=True))
        at = now()  # a fresh retry window: the time held is not the receiver's failure
        count = held.update(state=PENDING, next_attempt_at=at, window_start=at)
        for channel in sorted(channels):
            jobs.nudge(agency.id, channel)
    return count


def resend(delivery_uuid: uuid.UUID | str, by: str = "") -> Delivery:
    """A dead delivery is queued again with a fresh retry window (its attempts keep counting)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(uuid=delivery_uuid)
        if delivery.state != DEAD:
            raise NotResendable(f"only dead deliveries are resent; this one is {delivery.state}")
        if delivery.channel == "none":
            raise NotResendable("the agency had no usable channel: configure one, the next complaint goes out")
        at = now()
        delivery.state, delivery.reason, delivery.next_attempt_at, delivery.window_start = PENDING, "", at, at
        delivery.last_error = f"resent by {by}" if by else "resent"
        delivery.save()
        jobs.nudge(delivery.agency_id, delivery.channel)
    return delivery
