"""The workers' side of subscriptions (found by procrastinate's Django autodiscovery). Thin: the
work is in push.py."""

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import jobs, push, wire
from .models import Subscription


@app.task(name=jobs.PUSH, retry=RetryStrategy(max_attempts=5, wait=2))
def push_changes(subscription_id: int) -> str:
    verdict = push.drain(subscription_id, send=wire.send, policy=wire.policy(), clock=wire.now)
    if verdict in (push.RETRY, push.WAITING):
        at = Subscription.objects.filter(id=subscription_id).values_list("next_attempt_at", flat=True).first()
        if at is not None:
            jobs.wake_at(subscription_id, at)
    return verdict


# Changes held behind the horizon when their nudge ran, and pushers that died, are picked up here.
@app.periodic(cron=settings.GEO_SUBSCRIPTION_SWEEP_CRON, periodic_id="subscriptions")
@app.task(name="subscriptions.sweep", queueing_lock="subscriptions.sweep")
def sweep(timestamp: int) -> int:
    ids = list(Subscription.objects.values_list("id", flat=True))
    for subscription_id in ids:
        jobs.nudge(subscription_id)
    return len(ids)
