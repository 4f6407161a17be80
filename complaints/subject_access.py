"""A reporter's rights over their data (PDPA): everything held about them, and erasure on request.

A reporter is found by the contact they gave (a phone number matches however it was written:
081-234-5678, 0812345678 and +66 81 234 5678 are one number; anything else, such as an e-mail
address or a LINE id, matches case-insensitively after trimming). Erasure is the retention job's
anonymisation, now: the complaints, their history and their statistics stay.
"""

import re
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Func, Value
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from . import retention
from .actors import Actor
from .models import Complaint

_PHONE_CHARS = re.compile(r"[0-9๐-๙+\-\s().]+")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class SubjectError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.field = "contact"
        self.message = message


def phone_digits(value: str) -> str | None:
    """The national form of a phone number (0 and 8-9 digits), or None if `value` is not one."""
    if not _PHONE_CHARS.fullmatch(value):
        return None
    digits = re.sub(r"\D", "", value.translate(_THAI_DIGITS))
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    return digits if digits.startswith("0") and len(digits) in (9, 10) else None


def _checked(contact) -> str:
    if not isinstance(contact, str) or not contact.strip():
        raise SubjectError("contact: the reporter's contact (phone number, e-mail address, ...) is required")
    if len(contact) > 200 or "\x00" in contact:
        raise SubjectError("contact: at most 200 characters, no NUL")
    return contact.strip()


def complaints_of(contact: str):
    """The complaints whose reporter gave this contact."""
    contact = _checked(contact)
    digits = phone_digits(contact)
    if digits is None:
        return Complaint.objects.alias(lowered=Lower(Trim("reporter_contact"))).filter(lowered=contact.lower())
    # Candidates share the last 8 digits (in the database); the national form is compared here.
    arabic = Func(F("reporter_contact"), Value("๐๑๒๓๔๕๖๗๘๙"), Value("0123456789"), function="translate")
    only_digits = Func(arabic, Value("[^0-9]"), Value(""), Value("g"), function="regexp_replace")
    candidates = Complaint.objects.alias(digits=only_digits).filter(digits__endswith=digits[-8:])
    ids = [c.id for c in candidates.only("id", "reporter_contact") if phone_digits(c.reporter_contact) == digits]
    return Complaint.objects.filter(id__in=ids)


def _history(complaint) -> list[dict]:
    return [
        {
            "id": h.id,
            "event": h.event,
            "action": h.action or None,
            "from": h.from_status or None,
            "to": h.to_status or None,
            "actor": {"role": h.actor_role or "system", "agency": h.actor_agency or None, "name": h.actor or None},
            "note": h.note or None,
            "note_hidden": h.note_hidden,
            "photo_url": h.photo_url or None,
            "data": h.data,
            "at": h.at.isoformat(),
        }
        for h in complaint.history.all()
    ]


def _one(complaint) -> dict:
    return {
        "id": complaint.id,
        "reporter": {"name": complaint.reporter_name or None, "contact": complaint.reporter_contact or None},
        "source": complaint.source,
        "client_ticket_id": complaint.client_ticket_id or None,
        "status": complaint.status,
        "categories": complaint.categories,
        "description": complaint.description,
        "description_hidden": complaint.description_hidden,
        "photo_url": complaint.photo_url or None,
        "lon": complaint.location.x,
        "lat": complaint.location.y,
        "agency": complaint.agency.code if complaint.agency_id else None,
        "created": complaint.created.isoformat(),
        "anonymised_at": complaint.anonymised_at.isoformat() if complaint.anonymised_at else None,
        "history": _history(complaint),
        "confirmations": [
            {
                "id": r.id,
                "asked_at": r.asked_at.isoformat(),
                "expires_at": r.expires_at.isoformat(),
                "answered_at": r.answered_at.isoformat() if r.answered_at else None,
                "fixed": r.fixed,
                "rating": r.rating,
                "comment": r.comment or None,
            }
            for r in complaint.confirmations.all()
        ],
        # What was sent on (delivery/ fills it in, registered below): here so the export keeps its order.
        "deliveries": [],
    }


# Apps above this one that hold more of a reporter's data (photos: the pictures sent with a
# complaint; delivery: what was sent on to agencies) register here: an exporter (complaint) ->
# dict of extra members of its export, and an eraser (complaint, actor) -> how many items it
# removed, run on a request for erasure.
EXPORTERS: list[Callable] = []
ERASERS: list[Callable] = []


def register(exporter: Callable, eraser: Callable | None = None) -> None:
    if exporter not in EXPORTERS:
        EXPORTERS.append(exporter)
    if eraser is not None and eraser not in ERASERS:
        ERASERS.append(eraser)


def export(contact: str) -> dict:
    """Everything held about the reporter who gave `contact`, as JSON-ready data."""
    found = complaints_of(contact).select_related("agency").prefetch_related("history", "confirmations")
    complaints = []
    for complaint in found.order_by("id"):
        one = _one(complaint)
        for exporter in EXPORTERS:
            one.update(exporter(complaint))
        complaints.append(one)
    return {
        "contact": _checked(contact),
        "generated_at": timezone.now().isoformat(),
        "complaints": complaints,
    }


def erase(contact: str, actor: Actor, now=None) -> retention.Done:
    """Remove the reporter's personal data now, from every complaint they filed."""
    ids = list(complaints_of(contact).order_by("id").values_list("id", flat=True))
    done = retention.anonymise(ids, now or timezone.now(), why="request", actor=actor)
    for complaint_id in ids:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update(of=("self",)).get(id=complaint_id)
            for eraser in ERASERS:
                done.rows += eraser(complaint, actor)
    return done
