"""The workers' side of subscriptions (found by procrastinate's Django autodiscovery). Thin: the
work is in push.py."""

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from delivery import slots

from . import jobs, push, wire
from .models import Subscription

BUSY = "busy"


@app.task(name=jobs.PUSH, retry=RetryStrategy(max_attempts=5, wait=2))
def push_changes(subscription_id: int) -> str:
    key_id = Subscription.objects.filter(id=subscription_id).values_list("intake_key_id", flat=True).first()
    if key_id is None:
        return push.GONE
    policy = wire.policy()
    while True:
        # One of the key's outbound slots per push: ten hanging callbacks of one key hold its
        # slots, not the workers other keys' pushes need (docs/delivery.md#outbound).
        with slots.held(f"key-{key_id}") as free:
            if not free:
                jobs.busy(subscription_id)
                return BUSY
            verdict = push.push_once(subscription_id, send=wire.send, policy=policy, clock=wire.now)
        if verdict not in (push.DELIVERED, push.DEAD):
            break
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
