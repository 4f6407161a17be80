"""What filing and re-routing need before they write (complaints/commands.py writes): the filing
as received, routing a point and categories to the complaint's fields, its deadlines, and the
complaint a retry repeats. Every accepted complaint is stored exactly once: a retry with the same
Idempotency-Key, or the same intake system's ticket id, returns the first."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Point

from routing.models import Agency, Category
from routing.rules.responsibility import decide

from . import deadlines
from .models import Complaint


class IdempotencyConflict(Exception):
    pass


class ComplaintError(ValueError):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class Filing:
    lon: float
    lat: float
    categories: tuple
    description: str = ""
    photo_url: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""
    source: str = "api"
    client_ticket_id: str = ""
    created: datetime | None = None  # when the intake system received it (imports); default now
    intake_key_id: int | None = None  # the key that filed it: Idempotency-Keys and ticket ids are its own
    # SHA-256 of each uploaded photo as sent, in order (fronts/filing.py): a key reused with other
    # photos is another request.
    photo_digests: tuple = ()

    def fingerprint(self) -> str:
        # The key is left out: fingerprints stored before keys were recorded must still match a retry;
        # so are absent photos, so that filings without photos keep the fingerprints they had.
        fields = {k: v for k, v in self.__dict__.items() if k != "intake_key_id" and (k != "photo_digests" or v)}
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def route(matcher, directory, lon, lat, categories, exclude: frozenset = frozenset()) -> dict:
    """The complaint fields that routing decides: agency, decision, jurisdiction codes, generation.
    `exclude`: agency codes that may not be chosen (they said "not ours")."""
    directory.check_categories(categories)
    match = matcher.lookup(lon, lat)
    if "subdistrict" not in match.jurisdictions:
        raise ComplaintError("location", f"({lon}, {lat}) is not inside Thailand: {match.reason}")
    decision = decide(directory, match, categories, (lon, lat), exclude=exclude)
    record = decision.as_dict()
    record["jurisdictions"] = {level: j.as_dict() for level, j in match.jurisdictions.items()}
    if decision.local_government and decision.local_government.unit:
        record["jurisdictions"]["local_government"] = decision.local_government.as_dict()
    record["status"] = match.status
    codes = {level: j.code for level, j in match.jurisdictions.items()}
    return {
        "location": Point(lon, lat, srid=4326),
        "categories": list(categories),
        "agency": _agency(directory, decision.agency.code) if decision.agency else None,
        "decision": record,
        "province_code": codes.get("province", ""),
        "district_code": codes.get("district", ""),
        "subdistrict_code": codes.get("subdistrict", ""),
        "local_government_code": (record["jurisdictions"].get("local_government") or {}).get("code", ""),
        "generation": matcher.generation,
    }


# Rows a directory version fixes (agencies, categories' targets), read once per version rather
# than once per complaint; the version's stamp changes with any edit of those tables.
_per_version = {"version": None, "agencies": {}, "hours": None}


def _for(directory) -> dict:
    if _per_version["version"] != directory.version:
        _per_version.update(version=directory.version, agencies={}, hours=None)
    return _per_version


def _agency(directory, code: str) -> Agency | None:
    """The Agency row for a decision."""
    agencies = _for(directory)["agencies"]
    if code not in agencies:
        agencies[code] = Agency.objects.filter(code=code).first()
    return agencies[code]


def category_hours(directory) -> dict:
    """Categories' target hours, by code."""
    cached = _for(directory)
    if cached["hours"] is None:
        cached["hours"] = dict(Category.objects.values_list("code", "target_hours"))
    return cached["hours"]


def targets_of(complaint: Complaint, hours: dict | None = None) -> deadlines.Targets:
    """The deadlines that apply to a complaint: its first category's target and its agency's kind."""
    code = complaint.categories[0] if complaint.categories else "other"
    if hours is None:
        category = Category.objects.filter(code=code).values_list("target_hours", flat=True).first()
    else:
        category = hours.get(code)
    return deadlines.targets(category, complaint.agency.kind if complaint.agency else None)


def reschedule(complaint: Complaint, now, hours: dict | None = None):
    plan = deadlines.schedule(
        complaint.status, created=complaint.created, now=now, targets=targets_of(complaint, hours)
    )
    complaint.due_at, complaint.alarm_at = plan.due_at, plan.alarm_at


def scope_of(filing: Filing):
    """The complaints a filing's Idempotency-Key and ticket id are unique among: its intake key's, or
    for imports (no key) its source's."""
    if filing.intake_key_id is not None:
        return Complaint.objects.filter(intake_key_id=filing.intake_key_id)
    return Complaint.objects.filter(intake_key__isnull=True, source=filing.source)


def existing(filing: Filing, key: str | None):
    """The complaint this filing repeats, or None; IdempotencyConflict when it reuses an
    Idempotency-Key or ticket id of the same intake system for a different complaint."""
    scope = scope_of(filing)
    found, what = None, ""
    if key:
        found, what = scope.filter(idempotency_key=key).first(), f"Idempotency-Key {key!r}"
    if found is None and filing.client_ticket_id:
        found = scope.filter(client_ticket_id=filing.client_ticket_id).first()
        what = f"client_ticket_id {filing.client_ticket_id!r}"
    if found is not None and found.request_fingerprint != filing.fingerprint():
        raise IdempotencyConflict(f"{what} was used for a different complaint")
    return found


_route = route  # the name tests and benchmarks use
