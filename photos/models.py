from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone

from complaints.models import Complaint, HistoryEntry


def photo_storage() -> Storage:
    """The `photos` storage of settings.STORAGES: the filesystem under var/media, or S3."""
    return storages["photos"]


class Photo(models.Model):
    """A photo of a complaint, as re-encoded by photos/processing.py (never the upload itself)."""

    BEFORE, AFTER = "before", "after"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="photos")
    # The change it came with: the filing (before) or a transition (after).
    history_entry = models.ForeignKey(HistoryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=[(BEFORE, BEFORE), (AFTER, AFTER)])
    image = models.FileField(storage=photo_storage, max_length=200)
    thumbnail = models.FileField(storage=photo_storage, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()
    uploaded_type = models.CharField(max_length=40)
    # 64-bit perceptual hash (imagehash.phash) as a signed bigint, compared in SQL by Hamming distance.
    phash = models.BigIntegerField()
    # Photos this one is nearly identical to, when it was stored as an "after" photo:
    # [{"photo": id, "complaint": id, "kind": ..., "distance": bits}]; empty when none.
    similar = models.JSONField(default=list, blank=True)
    # Moderation: hidden photos are in no public output. Who and why are in the history.
    hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"photo {self.id} ({self.kind}) of complaint {self.complaint_id}"
