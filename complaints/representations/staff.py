"""A complaint as its agency's own staff see it (the officers' workspace, and the API's answers to
them): the public fields as written, every history entry with internal notes, the reports merged
into it, its deliveries and the latest "is it fixed?" question with its answer.

Deliveries belong to delivery/, above this app: it registers how to list a complaint's deliveries
(delivery/apps.py), as apps contribute to subject access, so complaints/ does not import it."""

from collections.abc import Callable

from ..models import Complaint, Confirmation, HistoryEntry
from .public import history_entry, public
from .types import ConfirmationAnswer, DeliveryReport, StaffComplaint

_deliveries: list[Callable[[int], list[DeliveryReport]]] = []


def register_deliveries(lister: Callable[[int], list[DeliveryReport]]) -> None:
    """`lister(complaint_id)`: the complaint's deliveries, oldest first."""
    if lister not in _deliveries:
        _deliveries.append(lister)


class NotTheirs(Exception):
    """The complaint is with another agency: its staff representation is not theirs to read."""


def confirmation(question: Confirmation) -> ConfirmationAnswer:
    return {
        "complaint_id": question.complaint_id,
        "fixed": question.fixed,
        "rating": question.rating,
        "asked_at": question.asked_at.isoformat(),
        "answered_at": question.answered_at.isoformat() if question.answered_at else None,
        "expires_at": question.expires_at.isoformat(),
    }


def staff(complaint: Complaint, *, agency_code: str | None) -> StaffComplaint:
    """`agency_code`: the reader's agency, which must hold the complaint; None for an operator."""
    if agency_code is not None and (complaint.agency is None or complaint.agency.code != agency_code):
        raise NotTheirs(f"complaint {complaint.id} is not with agency {agency_code}")
    out = dict(public(complaint, verbatim=True))
    out["revision"] = complaint.revision  # the workspace's optimistic check (complaints/commands.py)
    # Every entry, the internal notes too (complaint.history leaves them out).
    entries = HistoryEntry.with_internal.filter(complaint_id=complaint.id).order_by("at", "id")
    out["history"] = [history_entry(h, verbatim=True) for h in entries]
    out["reports"] = list(complaint.children.order_by("id").values_list("id", flat=True))
    out["deliveries"] = [d for lister in _deliveries for d in lister(complaint.id)]
    question = complaint.confirmations.order_by("-asked_at", "-id").first()
    out["confirmation"] = confirmation(question) if question else None
    return out  # type: ignore[return-value]
