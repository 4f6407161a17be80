"""Pushing a subscription: read its intake key's changes after its cursor, POST them in order,
move the cursor on a 2xx. Plain Python; the sender, the retry policy and the clock are passed in.

At least once, in order: a batch is kept as first sent and retried with the same delivery id until
the callback takes it (receivers drop repeats by that id) or the policy gives up, when it becomes a
dead letter and the cursor moves past it. No database transaction is open while the callback is
called: a slow receiver must not hold back the feed's horizon (complaints/changes.py). A lease
keeps a second pusher off the subscription meanwhile; a pusher that dies leaves the lease to run
out and the same batch is sent again.
"""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from complaints import changes
from delivery.outcome import Outcome
from delivery.policy import RetryPolicy

from .models import DeadLetter, Subscription

BATCH = 100
LEASE = timedelta(seconds=60)  # longer than any sender's timeout
DELIVERED, RETRY, DEAD = "delivered", "retry", "dead"  # the retry policy's verdicts
IDLE, WAITING, BUSY, GONE = "idle", "waiting", "busy", "gone"


def drain(
    subscription_id: int, *, send: Callable, policy: RetryPolicy, clock: Callable[[], datetime] = timezone.now
) -> str:
    """Push batches until nothing is left, a retry is due later, or another pusher has it."""
    while True:
        verdict = push_once(subscription_id, send=send, policy=policy, clock=clock)
        if verdict not in (DELIVERED, DEAD):
            return verdict


def push_once(
    subscription_id: int, *, send: Callable, policy: RetryPolicy, clock: Callable[[], datetime] = timezone.now
) -> str:
    sub = _claim(subscription_id, clock())
    if isinstance(sub, str):
        return sub
    pending = sub.pending
    assert pending is not None  # a claimed subscription always has its batch
    outcome = send(sub.callback_url, sub.secret, pending["body"], pending["delivery_id"])
    return _settle(subscription_id, pending, outcome, policy, clock())


def _claim(subscription_id: int, now: datetime) -> Subscription | str:
    """The subscription with its batch to send (made from the feed if none is pending), or why not."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update(skip_locked=True).filter(id=subscription_id).first()
        if sub is None:
            return BUSY if Subscription.objects.filter(id=subscription_id).exists() else GONE
        if sub.lease_until and sub.lease_until > now:
            return BUSY
        if sub.next_attempt_at and sub.next_attempt_at > now:
            return WAITING
        if sub.pending is None:
            page = changes.read(changes.Scope(intake_key_id=sub.intake_key_id), sub.cursor, BATCH)
            if not page.changes:
                if page.next != sub.cursor:  # spare the next read the changes that are not this key's
                    sub.cursor = page.next
                    sub.save(update_fields=["cursor_txid", "cursor_id"])
                return IDLE
            delivery_id = str(uuid.uuid4())
            body = {
                "subscription": sub.id,
                "delivery_id": delivery_id,
                "changes": page.changes,
                "next": page.next.token(),
            }
            sub.pending = {"delivery_id": delivery_id, "after": sub.cursor.token(), "next": body["next"], "body": body}
            sub.attempts, sub.window_start = 0, now
        sub.attempts += 1
        sub.lease_until = now + LEASE
        sub.save()
    # Every attempt sends the batch as stored, so the first and the retries are the same body.
    sub.refresh_from_db(fields=["pending"])
    return sub


def _settle(subscription_id: int, pending: dict, outcome: Outcome, policy: RetryPolicy, now: datetime) -> str:
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(id=subscription_id).first()
        if sub is None or (sub.pending or {}).get("delivery_id") != pending["delivery_id"]:
            return GONE  # deleted, or its lease ran out and another pusher took over
        assert sub.window_start is not None  # set with the batch it is sending
        decision = policy.judge(outcome, attempt=sub.attempts, window_start=sub.window_start, now=now)
        sub.last_status, sub.lease_until = outcome.status, None
        # The key reads a status class (timeout, http_5xx, refused ...); the receiver's words are
        # kept for operators: shown to the key they would make the pusher a port scanner.
        sub.last_error = "" if decision.verdict == DELIVERED else decision.message
        sub.last_detail = "" if decision.verdict == DELIVERED else outcome.detail
        if decision.verdict == RETRY:
            sub.next_attempt_at = decision.next_attempt_at
            sub.save()
            return RETRY
        count = len(pending["body"]["changes"])
        if decision.verdict == DELIVERED:
            sub.delivered_at, sub.delivered_changes = now, sub.delivered_changes + count
        else:
            DeadLetter.objects.create(
                subscription=sub,
                delivery_id=pending["delivery_id"],
                after=pending["after"],
                next=pending["next"],
                changes=count,
                body=pending["body"],
                reason=decision.reason,
                message=decision.message,
                detail=outcome.detail,
                attempts=sub.attempts,
                at=now,
            )
        sub.cursor = changes.Position.parse(pending["next"])
        sub.pending, sub.attempts, sub.window_start, sub.next_attempt_at = None, 0, None, None
        sub.save()
        return decision.verdict
