"""What delivery/ does when a complaint changes (complaints/events.py), registered in
DeliveryConfig.ready: every handler runs inside the change's transaction, so a committed change
always has its deliveries and a rolled-back one never."""

from complaints import events, retention, subject_access

from . import outbox
from .models import Attempt, Delivery


def filed(event: events.Filed) -> None:
    if event.deliver:
        outbox.schedule(event.complaint, event.complaint.agency)


def handed_over(event: events.HandedOver) -> None:
    outbox.handover(event.complaint, event.previous, event.current, note=event.note)


def alerted(event: events.Alerted) -> None:
    outbox.schedule(event.complaint, event.agency, kind=event.kind)


def export(complaint) -> dict:
    """The reporter's export (complaints/subject_access.py): the complaint's text and place went to these agencies."""
    return {
        "deliveries": [
            {
                "id": str(d.uuid),
                "agency": d.agency.code,
                "channel": d.channel,
                "kind": d.kind,
                "state": d.state,
                "created": d.created.isoformat(),
                "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
                "payload": d.payload,
            }
            for d in Delivery.objects.filter(complaint=complaint).select_related("agency").order_by("id")
        ]
    }


def scrub(complaint, literals: list[str]) -> int:
    """The retention job's copies (complaints/retention.py): payloads and attempt errors."""
    sent = Delivery.objects.filter(complaint=complaint)
    rows = retention.rewrite(sent, {"payload": "json", "last_error": "text"}, literals)
    attempts = Attempt.objects.filter(delivery__complaint=complaint)
    # A receiver's answer may echo what it was sent: the detail kept for operators too.
    return rows + retention.rewrite(attempts, {"error": "text", "detail": "text"}, literals)


def register() -> None:
    events.on(events.Filed, filed)
    events.on(events.HandedOver, handed_over)
    events.on(events.Alerted, alerted)
    subject_access.register(export)
    retention.register(scrub)
