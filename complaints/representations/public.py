"""A complaint as anyone may read it: never the reporter's name or contact; phone numbers, ID
numbers and e-mail addresses typed into the text masked; actors as role and agency; internal
notes (history event "note") never. `verbatim`: for the agency's own staff, the text as written,
the staff member's name and the hidden photos (today's API answers them to the agency's staff).
`ticket`: the intake system's own ticket id, for that system and staff (access.auth.sees_ticket_id);
by default with `verbatim`. Anyone else gets null: a ticket id can lead back to the reporter in
the intake system (a LINE chat, a call-centre record)."""

from django.utils import timezone

from .. import actors, deadlines
from ..models import INTERNAL_EVENTS, Complaint
from ..privacy import mask
from . import attachments as publish
from .types import AgencyRef, HistoryEntry, PublicComplaint


def _as_written(value):
    return value


def history_entry(entry, *, verbatim: bool) -> HistoryEntry:
    text = _as_written if verbatim else mask
    return {
        "event": entry.event,
        "action": entry.action or None,
        "from": entry.from_status or None,
        "to": entry.to_status or None,
        "actor": actors.public(entry, with_name=verbatim),  # type: ignore[typeddict-item]
        "note": None if entry.note_hidden and not verbatim else (text(entry.note) or None),
        "photo_url": entry.photo_url or None,
        "data": entry.data,
        "at": entry.at.isoformat(),
    }


def public(
    complaint: Complaint, with_history: bool = False, verbatim: bool = False, ticket: bool | None = None
) -> PublicComplaint:
    text = _as_written if verbatim else mask
    decision = complaint.decision
    out: PublicComplaint = {
        "id": complaint.id,
        "status": complaint.status,  # type: ignore[typeddict-item]
        "categories": complaint.categories,
        # Hidden by a moderator: absent for everyone but the agency's own staff (complaints/moderation.py).
        "description": None if complaint.description_hidden and not verbatim else text(complaint.description),
        "description_hidden": complaint.description_hidden,
        "photo_url": complaint.photo_url or None,
        "lon": complaint.location.x,
        "lat": complaint.location.y,
        "agency": decision.get("agency") if complaint.agency_id else None,
        "reason": decision.get("reason"),
        "confidence": decision.get("confidence"),
        "alternatives": decision.get("alternatives", []),
        "jurisdictions": decision.get("jurisdictions", {}),
        "reopen_count": complaint.reopen_count,
        "parent": complaint.parent_id,
        "due_at": complaint.due_at.isoformat() if complaint.due_at else None,
        "overdue": deadlines.overdue(complaint.status, complaint.due_at, timezone.now()),
        "escalation_level": complaint.escalation_level,
        "escalated_to": complaint.escalated_to.code if complaint.escalated_to else None,
        "source": complaint.source,
        "client_ticket_id": (complaint.client_ticket_id or None) if (verbatim if ticket is None else ticket) else None,
        "generation": complaint.generation,
        "created": complaint.created.isoformat(),
        "updated": complaint.updated.isoformat(),
        # Uploaded photos (docs/photos.md): hidden ones and reuse flags for the agency's staff only.
        "photos": publish.listed(complaint, staff=verbatim),  # type: ignore[typeddict-item]
    }
    # Moved since it was routed (forwarded, corrected): the agency that has it now.
    routed = out["agency"]
    if complaint.agency_id and complaint.agency and (routed.get("code") if routed else None) != complaint.agency.code:
        out["agency"] = agency_ref(complaint.agency)
    if with_history:
        entries = [h for h in complaint.history.all() if h.event not in INTERNAL_EVENTS]
        out["history"] = [history_entry(h, verbatim=verbatim) for h in entries]
    return out


def agency_ref(agency) -> AgencyRef:
    return {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en, "kind": agency.kind}
