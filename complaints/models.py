from datetime import datetime

from django.contrib.gis.db import models
from django.contrib.gis.geos import Polygon
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Q
from django.utils import timezone

from access.models import IntakeKey
from routing.models import Agency

from .lifecycle import STATES, WAITING


class ComplaintQuerySet(models.QuerySet):
    def matching(
        self,
        *,
        status: str | None = None,
        category: str | None = None,
        agency: str | None = None,
        jurisdiction: str | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> "ComplaintQuerySet":
        """The filters of the complaints API; None means no filter. `until` is exclusive, `jurisdiction` is a
        province, district, subdistrict or local-government code."""
        qs = self
        if status:
            qs = qs.filter(status=status)
        if category:
            qs = qs.filter(categories__contains=[category])
        if agency:
            qs = qs.filter(agency__code=agency)
        if jurisdiction:
            qs = qs.filter(
                Q(province_code=jurisdiction)
                | Q(district_code=jurisdiction)
                | Q(subdistrict_code=jurisdiction)
                | Q(local_government_code=jurisdiction)
            )
        if bbox:
            qs = qs.filter(location__intersects=Polygon.from_bbox(bbox))
        if since is not None:
            qs = qs.filter(created__gte=since)
        if until is not None:
            qs = qs.filter(created__lt=until)
        return qs


class Complaint(models.Model):
    source = models.CharField(max_length=100, default="api", help_text="intake system (its key's name)")
    # The key that filed it: Idempotency-Keys and ticket ids are scoped by it (key names need not be
    # unique). Empty for imports (source "traffy"), which are scoped by source. Keys are revoked,
    # not deleted, while complaints they filed exist.
    intake_key = models.ForeignKey(
        IntakeKey, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    client_ticket_id = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    location = models.PointField(srid=4326)
    categories = models.JSONField(default=list)
    description = models.TextField(blank=True)
    photo_url = models.URLField(max_length=500, blank=True)
    # Personal data: stored for the agency, never in public output.
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_contact = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=[(s, s) for s in STATES], default=WAITING, db_index=True)
    reopen_count = models.PositiveIntegerField(default=0)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints")
    decision = models.JSONField(default=dict, blank=True)
    province_code = models.CharField(max_length=2, blank=True, db_index=True)
    district_code = models.CharField(max_length=4, blank=True, db_index=True)
    subdistrict_code = models.CharField(max_length=6, blank=True, db_index=True)
    local_government_code = models.CharField(max_length=20, blank=True, db_index=True)
    generation = models.IntegerField(null=True, blank=True)
    # Denormalised from the history so statistics over millions of complaints need no join.
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Deadlines (complaints/deadlines.py): the current stage's deadline, when the escalation sweep
    # looks next (a reminder before the deadline, the escalation at it), and how far it went up.
    due_at = models.DateTimeField(null=True, blank=True)
    alarm_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0, db_default=0)
    escalated_to = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="escalated_complaints"
    )
    # Duplicates (complaints/merging.py): a merged report points at the complaint that is worked (its
    # parent) and takes the parent's status; the parent is never itself merged.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", db_index=True
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    updated = models.DateTimeField(auto_now=True)
    # Moderation (complaints/moderation.py): the description is kept for the agency, absent from
    # every public output. Retention (complaints/retention.py): when personal data was removed.
    description_hidden = models.BooleanField(default=False, db_default=False)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Raised by every command that changes the row (complaints/commands.py): a front that read
    # revision N and acts with expected=N is refused (Stale) if someone else changed it meanwhile.
    revision = models.PositiveIntegerField(default=0, db_default=0)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake_key", "client_ticket_id"],
                condition=~Q(client_ticket_id="") & Q(intake_key__isnull=False),
                name="one_ticket_per_intake_key",
            ),
            models.UniqueConstraint(
                fields=["intake_key", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False) & Q(intake_key__isnull=False),
                name="one_idempotency_key_per_intake_key",
            ),
            models.UniqueConstraint(
                fields=["source", "client_ticket_id"],
                condition=~Q(client_ticket_id="") & Q(intake_key__isnull=True),
                name="one_imported_ticket_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["alarm_at"], condition=Q(alarm_at__isnull=False), name="complaint_alarm"),
        ]

    def __str__(self) -> str:
        return f"complaint {self.id} ({self.status})"


# Internal notes (complaints/commands.note): for the agency's staff only, never published.
INTERNAL_NOTE = "internal_note"
INTERNAL_EVENTS = (INTERNAL_NOTE,)


class PublishedHistory(models.Manager):
    """The default manager, so every reader of the history (public JSON, Open311, exports, the
    related `complaint.history`) leaves internal notes out unless it asks `HistoryEntry.with_internal`."""

    def get_queryset(self):
        return super().get_queryset().exclude(event__in=INTERNAL_EVENTS)


class HistoryEntry(models.Model):
    """One change to a complaint, written only through complaints.changes.record.

    The table also has a `txid xid8` column (the writing transaction, set by the database; see the
    migration and complaints/changes.py): the change feed's order. Django does not know it.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="history")
    event = models.CharField(max_length=20)  # created | transition | rerouted | escalated | reminded | ...
    action = models.CharField(max_length=20, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    # Who, without naming a person: intake | staff | operator | agency_system | system, and their
    # agency. `actor` (a user name or an intake system's name) is kept for the agency's own audit,
    # never published.
    actor = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    actor_agency = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    photo_url = models.URLField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Who may read this change in the feed, fixed when it is written: the filing key, and the agencies
    # concerned (the one responsible, the one it just left, the one it is escalated to).
    intake_key = models.ForeignKey(IntakeKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agencies = ArrayField(models.BigIntegerField(), default=list, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    note_hidden = models.BooleanField(default=False, db_default=False)  # moderated: absent from public output

    objects = PublishedHistory()
    with_internal = models.Manager()  # every entry: the agency's own views, retention, deletion

    class Meta:
        ordering = ["at", "id"]
        indexes = [GinIndex(fields=["agencies"], name="history_agencies")]


class Confirmation(models.Model):
    """ "Is it fixed?": asked of the reporter, through the intake system that filed the complaint,
    each time the complaint is finished (complaints/confirmation.py). The rating belongs to the
    agency that finished it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="confirmations")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    intake_key = models.ForeignKey(IntakeKey, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    fixed = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)  # the reporter's words: scrubbed by the retention job

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["agency"], condition=Q(rating__isnull=False), name="confirmation_rated")]
