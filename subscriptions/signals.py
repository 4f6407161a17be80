"""A recorded change wakes the pushers of its key's subscriptions, in the change's transaction (a
rolled-back change wakes nobody). Listening here keeps complaints unaware of subscriptions."""

from complaints.models import HistoryEntry

from . import jobs
from .models import Subscription


def nudge_subscribers(sender: type, instance: HistoryEntry, created: bool, **kwargs: object) -> None:
    if not created or instance.intake_key_id is None:
        return
    for subscription_id in Subscription.objects.filter(intake_key_id=instance.intake_key_id).values_list(
        "id", flat=True
    ):
        jobs.nudge(subscription_id)
