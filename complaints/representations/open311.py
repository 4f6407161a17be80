"""Our categories and complaints as GeoReport v2 services and service requests (open311/ renders
them as JSON or XML)."""

import geothai
from django.utils import timezone

from .. import deadlines
from ..lifecycle import FINISHED, IRRELEVANT
from ..models import INTERNAL_EVENTS, Complaint
from ..privacy import mask
from . import attachments as publish
from .types import Open311Request, Open311Service

CLOSED = (FINISHED, IRRELEVANT)
STREET = {"road", "sidewalk", "street_light", "bridge", "sign", "traffic"}


def service(category) -> Open311Service:
    return {
        "service_code": category.code,
        "service_name": category.name_en,
        "description": f"{category.name_th} / {category.name_en}",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join([category.name_th, *[t for t in category.traffy_labels if t]]),
        "group": "street" if category.code in STREET else "general",
    }


def _iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _zipcode(subdistrict_code: str):
    unit = geothai.subdistrict(subdistrict_code) if subdistrict_code else None
    return unit.postal_codes[0] if unit and unit.postal_codes else None


def expected(complaint: Complaint, hours: dict):
    """When the work is expected done: the category's target (or the agency kind's) after filing."""
    code = complaint.categories[0] if complaint.categories else "other"
    agency_kind = complaint.agency.kind if complaint.agency else None
    return complaint.created + deadlines.targets(hours.get(code), agency_kind).resolution


def _as_written(value):
    return value


def service_request(complaint: Complaint, categories: dict, hours: dict, verbatim: bool = False) -> Open311Request:
    """One request as published: phone numbers, ID numbers and e-mail addresses in the description
    (attributes included) and in staff notes masked, unless `verbatim` (the agency's own staff).
    Internal notes are never its status notes."""
    text = _as_written if verbatim else mask
    code = complaint.categories[0] if complaint.categories else "other"
    # moderated notes left out, and the agency's internal ones
    shown = [h for h in complaint.history.all() if (verbatim or not h.note_hidden) and h.event not in INTERNAL_EVENTS]
    last_note = next((h.note for h in reversed(shown) if h.note), None)
    agency = complaint.agency
    return {
        "service_request_id": str(complaint.id),
        "status": "closed" if complaint.status in CLOSED else "open",
        "status_notes": text(last_note) or complaint.status,
        "service_name": categories.get(code, code),
        "service_code": code,
        "description": None if complaint.description_hidden and not verbatim else (text(complaint.description) or None),
        "agency_responsible": f"{agency.name_th} ({agency.name_en})" if agency else None,
        "service_notice": (complaint.decision.get("reason") or {}).get("en"),
        "requested_datetime": _iso(complaint.created),
        "updated_datetime": _iso(complaint.updated),
        "expected_datetime": _iso(expected(complaint, hours)),
        "address": None,
        "address_id": None,
        "zipcode": _zipcode(complaint.subdistrict_code),
        "lat": complaint.location.y,
        "long": complaint.location.x,
        # An uploaded photo (served by the project; hidden ones never) before a linked one.
        "media_url": publish.first_public_url(complaint) or complaint.photo_url or None,
    }
