"""What an agency is sent about a complaint: its public fields (never the reporter's name or
contact), the decision with its reason, and links back. The moment it was scheduled is given by the
caller (delivery/payload.py, on the deliveries' clock), so every retry sends the same."""

from datetime import datetime

from django.conf import settings

from ..models import Complaint
from .public import public
from .types import DeliveryLinks, DeliveryPayload


def links(complaint_id: int) -> DeliveryLinks:
    base = settings.GEO_PUBLIC_URL
    return {
        "complaint": f"{base}/api/v1/complaints/{complaint_id}",
        # The complaint's page in the officers' workspace (after sign-in): where people act on it.
        "workspace": f"{base}/work/complaints/{complaint_id}/",
        "open311": f"{base}/open311/v2/requests/{complaint_id}.json",
    }


def payload(
    complaint: Complaint, agency, *, kind: str, delivery_id: str, scheduled_at: datetime, note: str = ""
) -> DeliveryPayload:
    fields = public(complaint, ticket=True)  # the agency that holds it: staff, who see the ticket id
    return {
        "delivery_id": delivery_id,
        "kind": kind,
        "sent_to": {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en},
        "complaint": fields,
        "decision": {
            "agency": fields["agency"],
            "reason": fields["reason"],
            "confidence": fields["confidence"],
            "alternatives": fields["alternatives"],
        },
        "note": note or None,
        "links": links(complaint.id),
        "scheduled_at": scheduled_at.isoformat(),
    }
