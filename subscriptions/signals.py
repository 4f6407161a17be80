"""A recorded change (complaints/events.Recorded) wakes the pushers of its key's subscriptions, in
the change's transaction (a rolled-back change wakes nobody). Listening here keeps complaints
unaware of subscriptions. Internal notes are never in a feed, so they wake nobody."""

from complaints.models import INTERNAL_EVENTS

from . import jobs
from .models import Subscription


def nudge_subscribers(event) -> None:
    entry = event.entry
    if entry.intake_key_id is None or entry.event in INTERNAL_EVENTS:
        return
    for subscription_id in Subscription.objects.filter(intake_key_id=entry.intake_key_id).values_list("id", flat=True):
        jobs.nudge(subscription_id)
