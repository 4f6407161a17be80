from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import F
from django.utils import timezone

from complaints.models import Complaint, HistoryEntry


def photo_storage() -> Storage:
    """The `photos` storage of settings.STORAGES: the filesystem under var/media, or S3."""
    return storages["photos"]


# The 64 hash bits in four bands of 16 (multi-index hashing, Norouzi et al.): two hashes within
# r bits of each other have one band within r // 4 bits (pigeonhole), so looking up each band's
# neighbours in an index per band finds every photo a reused one can be, without reading the
# others (photos/store.similar). B-tree indexes on expressions of phash: no column to keep, and
# the planner has each band's statistics (a GIN index on an array of the bands has none for such
# rare values, and the planner then prefers the scan).
BAND_BITS, BAND_COUNT = 16, 4
BAND_MASK = (1 << BAND_BITS) - 1
BANDED_BITS = 4 * 3 - 1  # up to 11 bits, each band's neighbours within 2 bits (137 a band); a scan beyond
# Matches some band's probes; the expressions are the indexes' (Meta.indexes), or they go unused.
BANDED_SQL = " OR ".join(
    f"((phash >> {i * BAND_BITS}) & {BAND_MASK}) = ANY(%(band{i})s::bigint[])" for i in range(BAND_COUNT)
)


def bands(phash: int) -> list[int]:
    """A signed 64-bit hash's four bands, low bits first, as the index expressions compute them
    (bigint shifts are arithmetic in both)."""
    return [(phash >> (i * BAND_BITS)) & BAND_MASK for i in range(BAND_COUNT)]


def probes(phash: int, bits: int) -> dict[str, list[int]]:
    """{"band0": values, ...}: a hash within `bits` of `phash` has at least one band among these,
    each band as it is and with up to bits // 4 of its bits flipped."""
    flips = [0]
    for _ in range(bits // BAND_COUNT):
        flips = sorted({f | 1 << b for f in flips for b in range(BAND_BITS)} | set(flips))
    return {f"band{i}": [band ^ flip for flip in flips] for i, band in enumerate(bands(phash))}


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
        indexes = [
            models.Index(F("phash").bitrightshift(i * BAND_BITS).bitand(BAND_MASK), name=f"photo_phash_band{i}")
            for i in range(BAND_COUNT)
        ]

    def __str__(self) -> str:
        return f"photo {self.id} ({self.kind}) of complaint {self.complaint_id}"
