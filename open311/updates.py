"""The servicerequestupdates extension: a complaint's history as GeoReport request updates.

The shape is the one Open311 servers and FixMyStreet's client exchange: service_request_id,
update_id, updated_datetime, status, description, media_url, and the native status as
external_status_code. Who acted is shown as a role and an agency, never a person's name.
"""

from django.utils import timezone

from complaints import lifecycle
from complaints.privacy import mask
from routing.models import Agency

# Our states as the request-update statuses clients know.
STATUS = {
    lifecycle.WAITING: "open",
    lifecycle.IN_PROGRESS: "in_progress",
    lifecycle.FOLLOW_UP: "action_scheduled",
    lifecycle.FORWARDED: "internal_referral",
    lifecycle.FINISHED: "fixed",
    lifecycle.IRRELEVANT: "closed",
}
ROLES = {
    "intake": "intake system",
    "staff": "agency staff",
    "operator": "operator",
    "agency_system": "agency system",
    "system": "system",
}
# Reminders nag the agency; they change nothing a requester would follow.
HIDDEN_EVENTS = ("reminded",)


def agency_names(entries) -> dict:
    codes = set()
    for entry in entries:
        data = entry.data or {}
        codes.update([entry.actor_agency, data.get("agency"), data.get("to_agency")])
        if entry.event == "rerouted":
            codes.add((data.get("after") or {}).get("agency"))
    codes -= {"", None}
    return {a.code: f"{a.name_th} ({a.name_en})" for a in Agency.objects.filter(code__in=codes)}


def _name(code, names) -> str:
    return names.get(code, code) if code else "no agency"


def summary(entry, names: dict) -> str:
    """What happened, in a sentence, when the entry has no note of its own."""
    data = entry.data or {}
    if entry.event in ("created", "imported"):
        return f"received; sent to {_name(data.get('agency'), names)}" if entry.event == "created" else "imported"
    if entry.event == "transition" and entry.action == "forward":
        return f"forwarded to {_name(data.get('to_agency'), names)}"
    if entry.event == "transition":
        return f"{entry.action.replace('_', ' ')}: now {entry.to_status.replace('_', ' ')}"
    if entry.event == "rerouted":
        return f"location or category corrected; now with {_name((data.get('after') or {}).get('agency'), names)}"
    if entry.event == "escalated":
        return f"deadline passed; escalated to {_name(data.get('to_agency'), names)} (level {data.get('level')})"
    if entry.event == "overdue":
        return "deadline passed with no higher level left to escalate to"
    return entry.event.replace("_", " ")


def actor(entry, names: dict) -> str:
    role = ROLES.get(entry.actor_role, entry.actor_role or "system")
    return f"{role}, {_name(entry.actor_agency, names)}" if entry.actor_agency else role


def update(entry, names: dict, photos: dict | None = None) -> dict:
    """`photos`: uploaded photos' URLs by history entry (photos/publish.by_entry), hidden ones left out."""
    return {
        "service_request_id": str(entry.complaint_id),
        "update_id": str(entry.id),
        "updated_datetime": timezone.localtime(entry.at).isoformat(timespec="seconds"),
        "status": STATUS.get(entry.to_status, "open"),
        # Published: masked, and left out when a moderator hid it.
        "description": (None if entry.note_hidden else mask(entry.note)) or summary(entry, names),
        "media_url": entry.photo_url or (photos or {}).get(entry.id),
        "external_status_code": entry.to_status or None,
        "actor": actor(entry, names),
    }
