"""Staff hide a photo from the public, with a reason, or show it again. The history keeps who
and why (never the image); a hidden photo is left out of every public output (photos/publish.py)
and its URLs answer 404 to the public."""

from django.db import transaction
from django.utils import timezone

from complaints import changes
from complaints.actors import Actor
from complaints.models import Complaint

from .models import Photo

HIDDEN, SHOWN = "photo_hidden", "photo_shown"
MAX_REASON = 1000


class ModerationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ModerationError("reason", "a reason is required")
    if len(reason) > MAX_REASON:
        raise ModerationError("reason", f"at most {MAX_REASON} characters")
    return reason.strip()


def set_hidden(photo_id: int, hidden: bool, *, reason: str, actor: Actor) -> Photo:
    """Hide (or show again) one photo; a history entry of its complaint records who and why.
    Photo.DoesNotExist when there is no such photo; nothing is recorded when nothing changes."""
    reason = _reason(reason)
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
