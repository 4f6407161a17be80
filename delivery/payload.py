"""What an agency is sent: the complaint's delivery representation (complaints/representations),
scheduled at the deliveries' clock, so every retry sends the same."""

from complaints.representations import delivery_payload
from complaints.representations.delivery import links
from complaints.representations.types import DeliveryPayload

from .clock import now

__all__ = ["build", "links"]


def build(complaint, agency, *, kind: str, delivery_id: str, note: str = "") -> DeliveryPayload:
    return delivery_payload(complaint, agency, kind=kind, delivery_id=delivery_id, note=note, scheduled_at=now())
