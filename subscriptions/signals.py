"""A recorded change wakes the pushers of its key's subscriptions, in the change's transaction (a
rolled-back change wakes nobody). Listening here keeps complaints unaware of subscriptions."""

from . import jobs
from .models import Subscription


def nudge_subscribers(sender, instance, created, **kwargs):
    if not created or instance.intake_key_id is None:
        return
    for subscription_id in Subscription.objects.filter(intake_key_id=instance.intake_key_id).values_list(
        "id", flat=True
    ):
        jobs.nudge(subscription_id)
