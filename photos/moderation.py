"""Staff hide a photo from the public, with a reason, or show it again. The history keeps who
and why (never the image); a hidden photo is left out of every public output (photos/publish.py)
and its URLs answer 404 to the public."""

from django.db import transaction
from django.utils import timezone

from complaints import changes
from complaints.actors import Actor
from complaints.models import Complaint
from complaints.moderation import ModerationError, reason_of

from .models import Photo

HIDDEN, SHOWN = "photo_hidden", "photo_shown"
__all__ = ["HIDDEN", "SHOWN", "ModerationError", "set_hidden"]


def set_hidden(photo_id: int, hidden: bool, *, reason: str, actor: Actor) -> Photo:
    """Hide (or show again) one photo; a history entry of its complaint records who and why.
    Photo.DoesNotExist when there is no such photo; nothing is recorded when nothing changes."""
    reason = reason_of(reason)
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(id=photo_id)
        complaint = Complaint.objects.select_for_update(of=("self",)).get(id=photo.complaint_id)
        if photo.hidden == hidden:
            return photo
        photo.hidden = hidden
        photo.hidden_reason = reason if hidden else ""
        photo.hidden_at = timezone.now() if hidden else None
        photo.save(update_fields=["hidden", "hidden_reason", "hidden_at"])
        changes.record(
            complaint,
            HIDDEN if hidden else SHOWN,
            actor=actor,
            note=reason,
            data={"photo": photo.id, "kind": photo.kind},
        )
    return photo
