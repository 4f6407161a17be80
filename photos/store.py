"""Photos kept with their complaint: processed before any write, stored with the change that
brought them, all or nothing (a refused photo files no complaint; a failed write leaves no file).

Image processing is CPU work on untrusted bytes: it happens before the transaction opens
(`prepare`), so no row is locked while a photo is decoded, and it is charged to whoever sent
the photos before anything is decoded (photos/cost.py). The files are written inside the
transaction, under fresh random names, and removed again if the transaction does not commit.
"""

import uuid
from contextlib import contextmanager, suppress
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction

from complaints import changes

from . import cost, processing
from .models import BANDED_BITS, BANDED_SQL, Photo, probes

FLAGGED = "photo_flagged"


def limits() -> processing.Limits:
    return processing.Limits(
        max_bytes=settings.GEO_PHOTO_MAX_BYTES,
        max_pixels=settings.GEO_PHOTO_MAX_PIXELS,
        max_edge=settings.GEO_PHOTO_MAX_EDGE,
        thumbnail_edge=settings.GEO_PHOTO_THUMBNAIL_EDGE,
    )


class TooManyPhotos(processing.PhotoError):
    def __init__(self, count: int):
        super().__init__("too_many_photos", f"{count} photos; at most {settings.GEO_PHOTO_MAX_COUNT} per request")


def _read(upload, bounds: processing.Limits) -> bytes:
    if not hasattr(upload, "read"):
        return upload
    size = getattr(upload, "size", None)
    if size is not None and size > bounds.max_bytes:  # not read into memory at all
        raise processing.PhotoError(
            "too_large", f"the photo is {size:,} bytes; at most {bounds.max_bytes:,} are accepted"
        )
    return upload.read(bounds.max_bytes + 1)


def prepare(uploads, payer: str | None = None, prepaid: int = 0) -> list[processing.Processed]:
    """Each upload (bytes, or a file with read()) processed, in order; PhotoError for the first
    refused one (`index` on the error says which). Every header is read and the decoding charged
    to `payer` (photos/cost.py: cost.Busy, cost.OverBudget) before any photo is decoded."""
    uploads = list(uploads)
    if not uploads:
        return []
    if len(uploads) > settings.GEO_PHOTO_MAX_COUNT:
        raise TooManyPhotos(len(uploads))
    bounds, read, pixels = limits(), [], 0
    for index, upload in enumerate(uploads):
        try:
            data = _read(upload, bounds)
            pixels += processing.measure(data, bounds).decoded_pixels
        except processing.PhotoError as exc:
            exc.index = index
            raise
        read.append(data)
    done = []
    with cost.decoding(payer, pixels, prepaid):
        for index, data in enumerate(read):
            try:
                done.append(processing.process(data, bounds))
            except processing.PhotoError as exc:
                exc.index = index
                raise
    return done


class _Written:
    """Names written to storage in this attempt, removed if it fails."""

    def __init__(self):
        self.names = []

    def save(self, storage, name: str, content: bytes) -> str:
        saved = storage.save(name, ContentFile(content))
        self.names.append(saved)
        return saved

    def discard(self, storage):
        for name in self.names:
            with suppress(OSError):
                storage.delete(name)


@contextmanager
def attaching():
    """A transaction in which photos may be stored; their files go if it rolls back."""
    written = _Written()
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        written.discard(Photo.image.field.storage)
        raise


def attach(written: _Written, complaint, entry, kind: str, prepared: list[processing.Processed]) -> list[Photo]:
    """Store prepared photos of `complaint`, brought by history `entry`, inside `attaching()`."""
    storage = Photo.image.field.storage
    stored = []
    for item in prepared:
        stem = f"{complaint.id}/{uuid.uuid4().hex}"
        photo = Photo(
            complaint=complaint,
            history_entry=entry,
            kind=kind,
            image=written.save(storage, f"{stem}.jpg", item.image),
            thumbnail=written.save(storage, f"{stem}-thumb.webp", item.thumbnail),
            width=item.width,
            height=item.height,
            thumbnail_width=item.thumbnail_width,
            thumbnail_height=item.thumbnail_height,
            bytes=len(item.image),
            uploaded_type=item.uploaded_type,
            phash=processing.signed(item.phash),
        )
        photo.save()
        stored.append(photo)
    if kind == Photo.AFTER:
        for photo in stored:
            flag_if_reused(photo)
    return stored


def file_with(photos: list, file_fn):
    """(complaint, created) from `file_fn(attach)` (commands.file), with `photos` stored as its
    "before" photos when it is created: in its transaction, before its delivery is scheduled, so
    the agency is sent them. A retry that finds the first complaint adds none."""
    if not photos:
        return file_fn(None)
    with attaching() as written:
        complaint, created = file_fn(lambda complaint, entry: attach(written, complaint, entry, Photo.BEFORE, photos))
        if not created:  # a concurrent retry won: its savepoint took our rows, the files go too
            written.discard(Photo.image.field.storage)
    return complaint, created


def move_with(photos: list, move_fn):
    """The result of `move_fn(attach)` (a command taking `attach`), with `photos` stored as "after"
    photos of the entry the command wrote, inside its transaction."""
    if not photos:
        return move_fn(None)
    with attaching() as written:
        return move_fn(lambda complaint, entry: attach(written, complaint, entry, Photo.AFTER, photos))


# The Hamming distance of two signed 64-bit hashes, in SQL: XOR, then count the bits. Within
# models.BANDED_BITS the only candidates are the photos with a band among the probes (the indexes).
SIMILAR_SQL = f"""
SELECT id, complaint_id, kind, bit_count((phash # %(hash)s)::bit(64)) AS bits
FROM photos_photo
WHERE id <> %(id)s
  AND (complaint_id <> %(complaint)s OR kind = 'before')
  AND (%(scan)s OR {BANDED_SQL})
  AND bit_count((phash # %(hash)s)::bit(64)) <= %(bits)s
ORDER BY bits, complaint_id <> %(complaint)s, id
LIMIT 20
"""


def similar(photo: Photo, bits: int | None = None) -> list[dict]:
    """Photos nearly the same picture as `photo`: the same complaint's "before" photos and any
    other complaint's photos, within `bits` (GEO_PHOTO_SIMILAR_BITS) of 64: from the band index up
    to 11 bits, by a scan of the photo table beyond."""
    limit = settings.GEO_PHOTO_SIMILAR_BITS if bits is None else bits
    scan = limit > BANDED_BITS
    args: dict[str, Any] = {"hash": photo.phash, "id": photo.id, "complaint": photo.complaint_id, "bits": limit}
    args.update(scan=scan, **probes(photo.phash, -1 if scan else limit))
    with connection.cursor() as cursor:
        cursor.execute(SIMILAR_SQL, args)
        rows = cursor.fetchall()
    return [{"photo": pid, "complaint": cid, "kind": kind, "distance": d} for pid, cid, kind, d in rows]


def flag_if_reused(photo: Photo) -> list[dict]:
    """An "after" photo that is the "before" photo, or another complaint's photo, is flagged for
    the supervisor: on the photo, and as a history entry."""
    found = similar(photo)
    if found:
        photo.similar = found
        photo.save(update_fields=["similar"])
        same = [f for f in found if f["complaint"] == photo.complaint_id]
        where = "this complaint's own before photo" if same else f"a photo of complaint {found[0]['complaint']}"
        changes.record(
            photo.complaint,
            FLAGGED,
            note=f"the after photo looks like {where} ({found[0]['distance']} of 64 hash bits differ)",
            data={"photo": photo.id, "similar": found},
        )
    return found
