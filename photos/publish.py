"""Photos as the outputs show them: links to the project's own serving view (never the stored
file's address, never the upload), hidden photos left out except for the complaint's staff."""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from complaints.models import Complaint, HistoryEntry

from .models import Photo


def url(photo: Photo, variant: str = "image") -> str:
    name = "photo-thumbnail" if variant == "thumbnail" else "photo-image"
    return settings.GEO_PUBLIC_URL + reverse(name, kwargs={"photo_id": photo.id})


def _photos(complaint: Complaint) -> list[Photo]:
    # Uses a prefetch_related("photos") of the caller's queryset when there is one.
    return list(complaint.photos.all())


def listed(complaint: Complaint, *, staff: bool = False) -> list[dict]:
    """A complaint's photos, oldest first. `staff` (the complaint's agency, superusers): hidden ones
    too, with the reason, and the reuse flags."""
    out = []
    for photo in _photos(complaint):
        if photo.hidden and not staff:
            continue
        item = {
            "id": photo.id,
            "kind": photo.kind,
            "url": url(photo),
            "thumbnail_url": url(photo, "thumbnail"),
            "width": photo.width,
            "height": photo.height,
            "thumbnail_width": photo.thumbnail_width,
            "thumbnail_height": photo.thumbnail_height,
            "created": photo.created.isoformat(),
        }
        if staff:
            item["hidden"] = photo.hidden
            item["hidden_reason"] = photo.hidden_reason or None
            item["phash"] = hex_hash(photo)
            item["similar"] = photo.similar
        out.append(item)
    return out


def first_public_url(complaint: Complaint) -> str | None:
    """The first visible "before" photo's URL (Open311's media_url), or None."""
    for photo in _photos(complaint):
        if not photo.hidden and photo.kind == Photo.BEFORE:
            return url(photo)
    return None


def hex_hash(photo: Photo) -> str:
    return f"{photo.phash & (2**64 - 1):016x}"


def by_entry(entries: Iterable[HistoryEntry]) -> dict:
    """{history entry id: URL of its first visible photo} for the entries that brought photos."""
    found: dict[int | None, str] = {}
    photos = Photo.objects.filter(history_entry_id__in=[e.id for e in entries], hidden=False).order_by("id")
    for photo in photos:
        found.setdefault(photo.history_entry_id, url(photo))
    return found


def duplicate_terms(complaint: Complaint) -> dict:
    """The photo term of complaints/duplicates.py for `complaint`: its first photo's hash and a
    lookup of the candidates' photo hashes (hidden photos included: a hash shows nothing)."""
    first = next(iter(_photos(complaint)), None)
    if first is None:
        return {}

    def hashes_of(ids: list[int]) -> dict:
        found: dict[int, list[int]] = {}
        for cid, phash in Photo.objects.filter(complaint_id__in=ids).values_list("complaint_id", "phash"):
            found.setdefault(cid, []).append(phash)
        return found

    return {"photo_hash": first.phash, "photo_hashes_of": hashes_of}
