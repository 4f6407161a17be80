"""Moderation: staff hide a complaint's description, or a note in its history, from the public.

The text stays for the agency (its staff read it as written); every public output (native JSON and
GeoJSON, Open311 requests and request updates, the change feed, the payloads of later deliveries)
leaves it out. The change is recorded with who did it and why, never the hidden text. Showing it
again is the same call with `hidden=False`.
"""

from django.db import transaction

from . import changes
from .actors import Actor
from .command_core import Done, bump, locked
from .models import HistoryEntry

EVENT = "moderated"
MAX_REASON = 500
DESCRIPTION, NOTE = "description", "note"


class ModerationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def reason_of(reason) -> str:
    """The moderator's reason, required and storable (photos/moderation.py uses it too)."""
    if not isinstance(reason, str) or not reason.strip():
        raise ModerationError("reason", "a reason is required")
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise ModerationError("reason", f"at most {MAX_REASON} characters, no NUL")
    return reason.strip()


def hide(
    complaint_id: int,
    *,
    target: str | None,
    actor: Actor,
    reason,
    entry_id: int | None = None,
    hidden: bool = True,
    expected: int | None = None,
) -> Done:
    """Hide (or show again) the description, or the note of history entry `entry_id` (internal
    notes are not among the entries: they are never public to begin with)."""
    reason = reason_of(reason)
    if target not in (DESCRIPTION, NOTE):
        raise ModerationError("target", f"one of {DESCRIPTION}, {NOTE}")
    with transaction.atomic():
        complaint = locked(complaint_id, expected)
        data = {"target": target, "hidden": hidden}
        if target == DESCRIPTION:
            complaint.description_hidden = hidden
            bump(complaint, ["description_hidden"])
        else:
            if not isinstance(entry_id, int) or isinstance(entry_id, bool) or not 1 <= entry_id < 2**63:
                raise ModerationError("entry", "the id of the history entry whose note to hide")
            updated = HistoryEntry.objects.filter(id=entry_id, complaint_id=complaint.id).exclude(note="")
            if not updated.update(note_hidden=hidden):
                raise ModerationError("entry", f"complaint {complaint.id} has no history entry {entry_id} with a note")
            data["entry"] = entry_id
            bump(complaint, [])  # `updated` too: an Open311 update or a since= reader sees the change
        entry = changes.record(complaint, EVENT, actor=actor, note=reason, data=data)
    return Done(complaint, entry)
