"""What an agency is sent: the complaint's public fields (never the reporter's name or contact),
the decision with its reason, and links back. Fixed when scheduled, so every retry sends the same."""

from django.conf import settings

from .clock import now


def links(complaint_id: int) -> dict:
    base = settings.GEO_PUBLIC_URL
    return {
        "complaint": f"{base}/api/v1/complaints/{complaint_id}",
        # The complaint's page in the officers' workspace (after sign-in): where people act on it.
        "workspace": f"{base}/work/complaints/{complaint_id}/",
        "open311": f"{base}/open311/v2/requests/{complaint_id}.json",
    }


def build(complaint, agency, *, kind: str, delivery_id: str, note: str = "") -> dict:
    from api.views.complaints import public  # the one definition of the public fields

    fields = public(complaint)
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
        "scheduled_at": now().isoformat(),
    }
