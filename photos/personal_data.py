"""A reporter's photos under Thailand's PDPA: listed in their subject-access export, and removed on
their request for erasure (registered with complaints/subject_access.py).

Erasure removes the photos the reporter sent with the complaint ("before"): a picture of a street
can show faces and number plates. The agency's own "after" photos stay: they are the agency's
record of the work, not the reporter's data. The retention job does not remove photos: their
metadata is gone from the start (photos/processing.py), and the picture is the complaint's evidence.
"""

from django.db import transaction

from complaints import changes
from complaints.actors import Actor
from complaints.models import Complaint

from . import publish
from .models import Photo

EVENT = "photos_erased"


def export(complaint: Complaint) -> dict:
    return {"photos": publish.listed(complaint, staff=True)}


def erase(complaint: Complaint, actor: Actor) -> int:
    """Inside the caller's transaction: rows go now, the stored files once it commits."""
    sent = list(Photo.objects.filter(complaint=complaint, kind=Photo.BEFORE).order_by("id"))
    if not sent:
        return 0
    files = [(stored.storage, stored.name) for photo in sent for stored in (photo.image, photo.thumbnail)]
    Photo.objects.filter(id__in=[photo.id for photo in sent]).delete()
    changes.record(complaint, EVENT, actor=actor, data={"photos": [photo.id for photo in sent]})

    def remove_files() -> None:
        for storage, name in files:
            if name:  # a stored photo always has its files' names
                storage.delete(name)

    transaction.on_commit(remove_files)
    return len(sent)
