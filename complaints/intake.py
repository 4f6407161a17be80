"""Filing, moving and correcting complaints. Every accepted complaint is stored exactly once:
a retry with the same Idempotency-Key, or the same intake system's ticket id, returns the first."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery import outbox
from routing.models import Agency, Category
from routing.rules.responsibility import UnknownCategory, decide

from . import changes, confirmation, deadlines, lifecycle, merging
from .actors import SYSTEM, Actor
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

    def fingerprint(self) -> str:
        # The key is left out: fingerprints stored before keys were recorded must still match a retry.
        fields = {k: v for k, v in self.__dict__.items() if k != "intake_key_id"}
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _route(matcher, directory, lon, lat, categories) -> dict:
    """The complaint fields that routing decides: agency, decision, jurisdiction codes, generation."""
    directory.check_categories(categories)
    match = matcher.lookup(lon, lat)
    if "subdistrict" not in match.jurisdictions:
        raise ComplaintError("location", f"({lon}, {lat}) is not inside Thailand: {match.reason}")
    decision = decide(directory, match, categories, (lon, lat))
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


def _category_hours(directory) -> dict:
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


def _reschedule(complaint: Complaint, now, hours: dict | None = None):
    plan = deadlines.schedule(
        complaint.status, created=complaint.created, now=now, targets=targets_of(complaint, hours)
    )
    complaint.due_at, complaint.alarm_at = plan.due_at, plan.alarm_at


def _scope(filing: Filing):
    """The complaints a filing's Idempotency-Key and ticket id are unique among: its intake key's, or
    for imports (no key) its source's."""
    if filing.intake_key_id is not None:
        return Complaint.objects.filter(intake_key_id=filing.intake_key_id)
    return Complaint.objects.filter(intake_key__isnull=True, source=filing.source)


def _existing(filing: Filing, key: str | None):
    """The complaint this filing repeats, or None; IdempotencyConflict when it reuses an
    Idempotency-Key or ticket id of the same intake system for a different complaint."""
    scope = _scope(filing)
    found, what = None, ""
    if key:
        found, what = scope.filter(idempotency_key=key).first(), f"Idempotency-Key {key!r}"
    if found is None and filing.client_ticket_id:
        found = scope.filter(client_ticket_id=filing.client_ticket_id).first()
        what = f"client_ticket_id {filing.client_ticket_id!r}"
    if found is not None and found.request_fingerprint != filing.fingerprint():
        raise IdempotencyConflict(f"{what} was used for a different complaint")
    return found


def file(
    filing: Filing,
    *,
    matcher,
    directory,
    idempotency_key: str | None = None,
    deliver: bool = True,
    on_created=None,
) -> tuple[Complaint, bool]:
    """(complaint, created). Routing happens before the write; the write is one transaction, with
    the deliveries to the agency (not for imports of history: deliver=False). `on_created(complaint,
    entry)` runs in that transaction before the delivery is scheduled (photos/store.py adds photos).

    New complaints are the common case, so the insert goes first and the unique constraints on the
    Idempotency-Key and on (source, ticket id) catch a retry: one query fewer than asking first.
    """
    try:
        routed = _route(matcher, directory, filing.lon, filing.lat, filing.categories)
    except (ComplaintError, UnknownCategory):
        # Accepted once, refused now (the boundaries or categories changed since): still the same one.
        found = _existing(filing, idempotency_key)
        if found:
            return found, False
        raise
    now = timezone.now()
    complaint = Complaint(
        source=filing.source,
        intake_key_id=filing.intake_key_id,
        client_ticket_id=filing.client_ticket_id,
        idempotency_key=idempotency_key,
        request_fingerprint=filing.fingerprint(),
        description=filing.description,
        photo_url=filing.photo_url,
        reporter_name=filing.reporter_name,
        reporter_contact=filing.reporter_contact,
        created=filing.created or now,
        **routed,
    )
    # Imported tickets (received earlier, elsewhere) are followed by the platform they came from:
    # deadlines start with complaints filed here.
    if filing.created is None:
        _reschedule(complaint, now, _category_hours(directory))
    try:
        with transaction.atomic():
            complaint.save(force_insert=True)
            entry = changes.record(
                complaint,
                "created",
                from_status="",
                actor=Actor("intake", filing.source),
                data={
                    "agency": complaint.agency.code if complaint.agency else None,
                    "reason": routed["decision"]["reason"],
                },
            )
            if on_created is not None:
                on_created(complaint, entry)
            if deliver:
                outbox.schedule(complaint, complaint.agency)
    except IntegrityError:
        # A concurrent retry won the race: answer with its complaint.
        found = _existing(filing, idempotency_key)
        if found is None:
            raise
        return found, False
    return complaint, True


def move(
    complaint_id: int,
    action: str,
    *,
    actor: Actor = SYSTEM,
    note: str = "",
    photo_url: str = "",
    forward_to: str | None = None,
) -> Complaint:
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).select_related("agency").get(id=complaint_id)
        merging.check_movable(complaint)
        step = lifecycle.transition(complaint.status, action)
        data, left = {}, None
        if action == "forward":
            if not forward_to:
                raise ComplaintError("agency", "forward needs the code of the agency it goes to")
            target = Agency.objects.filter(code=forward_to, active=True).first()
            if target is None:
                raise ComplaintError("agency", f"no active agency with code {forward_to!r}")
            if not note:
                raise ComplaintError("note", "forward needs a reason in note")
            data = {"from_agency": complaint.agency.code if complaint.agency else None, "to_agency": target.code}
            left = complaint.agency_id
            previous, complaint.agency = complaint.agency, target
            complaint.escalated_to = None  # a new agency: escalation starts again from its level
        complaint.status = step.target
        if step.counts_reopen:
            complaint.reopen_count += 1
            complaint.resolved_at = None
        now = timezone.now()
        if complaint.first_response_at is None:
            complaint.first_response_at = now
        if step.target == lifecycle.FINISHED:
            complaint.resolved_at = now
        if action == "forward" or deadlines.stage(step.source) != deadlines.stage(step.target):
            # A new stage or a new agency gets its deadline; moves within a stage keep theirs
            # (and with it the extra time an escalation gave).
            _reschedule(complaint, now)
        complaint.save()
        changes.record(
            complaint,
            "transition",
            action=action,
            from_status=step.source,
            to_status=step.target,
            actor=actor,
            note=note,
            photo_url=photo_url,
            data=data,
            also_agency_id=left,
        )
        followers = merging.follow(complaint, step, actor=actor, note=note, photo_url=photo_url)
        if action == "forward":
            outbox.handover(complaint, previous, target, note=note)
        if step.target == lifecycle.FINISHED:
            # "is it fixed?", to each reporter (the merged reports' too) through its intake system
            for finished in (complaint, *followers):
                confirmation.ask(finished, now)
    return complaint


def correct(
    complaint_id: int, *, matcher, directory, lon=None, lat=None, categories=None, actor: Actor = SYSTEM
) -> Complaint:
    """A corrected pin or category routes the complaint again; the change goes into its history."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).select_related("agency").get(id=complaint_id)
        new_lon = complaint.location.x if lon is None else lon
        new_lat = complaint.location.y if lat is None else lat
        new_categories = tuple(complaint.categories) if categories is None else tuple(categories)
        before = {
            "lon": complaint.location.x,
            "lat": complaint.location.y,
            "categories": complaint.categories,
            "agency": complaint.agency.code if complaint.agency else None,
        }
        routed = _route(matcher, directory, new_lon, new_lat, new_categories)
        previous, left = complaint.agency, complaint.agency_id
        for name, value in routed.items():
            setattr(complaint, name, value)
        moved = complaint.agency_id != left
        if moved:
            complaint.escalated_to = None
        if (moved or list(new_categories) != before["categories"]) and complaint.parent_id is None:
            # Another agency gets its own window; another category its own target (a merged report
            # has none: its parent's run).
            _reschedule(complaint, timezone.now(), _category_hours(directory))
        complaint.save()
        after = {
            "lon": new_lon,
            "lat": new_lat,
            "categories": list(new_categories),
            "agency": complaint.agency.code if complaint.agency else None,
        }
        changes.record(
            complaint,
            "rerouted",
            actor=actor,
            data={"before": before, "after": after, "reason": routed["decision"]["reason"]},
            also_agency_id=left if moved else None,
        )
        outbox.handover(complaint, previous, complaint.agency)
    return complaint
