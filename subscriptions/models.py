"""An intake system's subscriptions: a callback URL that receives its complaints' changes, pushed in
feed order. Each subscription is a feed reader with its own cursor (complaints/changes.py)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models

from access.models import IntakeKey
from complaints.changes import Position
from geo.http import outbound

MAX_PER_KEY = 10


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Subscription(models.Model):
    intake_key = models.ForeignKey(IntakeKey, on_delete=models.CASCADE, related_name="subscriptions")
    callback_url = models.URLField(max_length=500)
    # The signing key: shown once when registered; stored as is because every push is signed with it.
    secret = models.CharField(max_length=100, default=new_secret)
    created = models.DateTimeField(auto_now_add=True)
    # Delivered up to here: changes after this feed position are still to push.
    cursor_txid = models.BigIntegerField(default=0)
    cursor_id = models.BigIntegerField(default=0)
    # The batch on the wire, kept as it was first sent (the same body and delivery id on every retry).
    pending = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A pusher owns the subscription until then: a second one skips it; a crashed one's batch is resent.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)  # a status class (timeout, http_5xx ...): the key's to read
    last_detail = models.TextField(blank=True)  # what the receiver or the network said: operators only
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_changes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"subscription {self.id} of {self.intake_key} -> {self.callback_url}"

    def clean(self) -> None:
        """The admin's check: the outbound rules, as for a registration through the API."""
        try:
            outbound.check_destination(self.callback_url)
        except outbound.Refused as exc:
            raise ValidationError({"callback_url": f"refused ({exc.rule}): {exc.message}"}) from None

    @property
    def cursor(self) -> Position:
        return Position(self.cursor_txid, self.cursor_id)

    @cursor.setter
    def cursor(self, position: Position) -> None:
        self.cursor_txid, self.cursor_id = position.txid, position.id


class DeadLetter(models.Model):
    """A batch the callback never took (refused, or the retry window ran out). The cursor moved on;
    the changes are still in the feed from `after`, so nothing is lost for a reader that looks."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="dead_letters")
    delivery_id = models.UUIDField()
    after = models.CharField(max_length=40, help_text="feed position before the batch")
    next = models.CharField(max_length=40, help_text="feed position after it")
    changes = models.PositiveIntegerField()
    body = models.JSONField()
    reason = models.CharField(max_length=12)
    message = models.TextField(blank=True)
    detail = models.TextField(blank=True)  # operators only, as Subscription.last_detail
    attempts = models.PositiveIntegerField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
