"""One Delivery per (complaint, agency, channel) and event, with every attempt; per-agency settings."""

import secrets
import uuid

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from complaints.models import Complaint
from routing.models import Agency

WEBHOOK, OPEN311, EMAIL, NONE = "webhook", "open311", "email", "none"
CHANNELS = (WEBHOOK, OPEN311, EMAIL, NONE)

PENDING, SENDING, DELIVERED, RETRYING, DEAD, HELD, WITHDRAWN = (
    "pending",
    "sending",
    "delivered",
    "retrying",
    "dead",
    "held",
    "withdrawn",
)
STATES = (PENDING, SENDING, DELIVERED, RETRYING, DEAD, HELD, WITHDRAWN)
# States a sender still has to act on, in the order of the deliveries' ids.
QUEUED = (PENDING, SENDING, RETRYING)

NEW, WITHDRAWAL, ESCALATION, REMINDER = "new", "withdrawal", "escalation", "reminder"
KINDS = (NEW, WITHDRAWAL, ESCALATION, REMINDER)

# Why a delivery is dead: the agency has no usable channel, the receiver refused it for good,
# the retry window ran out, or the agency's configuration is wrong (URL, key).
UNREACHABLE, REJECTED, EXPIRED, CONFIG = "unreachable", "rejected", "expired", "config"
REASONS = (UNREACHABLE, REJECTED, EXPIRED, CONFIG)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class AgencyDelivery(models.Model):
    """How deliveries reach one agency beyond its contact fields: the webhook signing secret, the
    api_key its Open311 server gave us, whether sending is paused, and its configuration problems."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="delivery_settings")
    webhook_secret = models.CharField(max_length=100, blank=True, help_text="HMAC-SHA256 key; made when missing")
    open311_api_key = models.CharField(max_length=200, blank=True, help_text="the api_key the agency's server issued")
    paused = models.BooleanField(default=False, db_index=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_by = models.CharField(max_length=200, blank=True)
    problems = models.JSONField(default=dict, blank=True, help_text="channel -> last failure, cleared by a success")
    open311_pulled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "agency delivery settings"
        verbose_name_plural = "agency delivery settings"

    def __str__(self) -> str:
        return f"{self.agency.code}{' (paused)' if self.paused else ''}"

    @classmethod
    def of(cls, agency_id: int) -> "AgencyDelivery":
        """The agency's settings, made on first use with a fresh webhook secret."""
        found = cls.objects.filter(agency_id=agency_id).first()
        if found is None:
            try:
                with transaction.atomic():
                    found = cls.objects.create(agency_id=agency_id, webhook_secret=new_secret())
            except IntegrityError:  # made by another process meanwhile
                found = cls.objects.get(agency_id=agency_id)
        if not found.webhook_secret:
            found.webhook_secret = new_secret()
            found.save(update_fields=["webhook_secret"])
        return found


class Delivery(models.Model):
    # The id orders an agency's deliveries; the uuid is the stable id receivers see on every attempt.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deliveries")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=[(c, c) for c in CHANNELS])
    kind = models.CharField(max_length=20, choices=[(k, k) for k in KINDS], default=NEW)
    state = models.CharField(max_length=10, choices=[(s, s) for s in STATES], default=PENDING)
    reason = models.CharField(max_length=12, choices=[(r, r) for r in REASONS], blank=True)
    payload = models.JSONField(default=dict, help_text="what is sent, fixed when scheduled: the same on every retry")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    window_start = models.DateTimeField(default=timezone.now, help_text="retries stop a window after this")
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    remote_id = models.CharField(max_length=200, blank=True, help_text="Open311 service_request_id at the agency")
    remote_token = models.CharField(max_length=200, blank=True)
    remote_status = models.CharField(max_length=40, blank=True)
    remote_updated = models.CharField(max_length=60, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["agency", "channel", "id"], name="delivery_queue", condition=models.Q(state__in=QUEUED)
            ),
            models.Index(fields=["state", "agency"], name="delivery_state_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.complaint_id} -> {self.agency_id} by {self.channel} ({self.state})"

    @property
    def lock(self) -> str:
        return lock_key(self.agency_id, self.channel)


def lock_key(agency_id: int, channel: str) -> str:
    """One sender at a time per agency and channel: keeps each agency's order, never blocks another's."""
    return f"delivery-{agency_id}-{channel}"


class Attempt(models.Model):
    DELIVERED, RETRY, DEAD = "delivered", "retry", "dead"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.IntegerField(null=True, blank=True)
    # What staff may read (a status class: timeout, http_5xx ...) and what the receiver or the
    # network said, for operators only (delivery/outcome.py).
    error = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=[(o, o) for o in (DELIVERED, RETRY, DEAD)])
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.outcome}"
