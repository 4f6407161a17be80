"""Commands that route a complaint again: a corrected pin or category, and "not ours" (the agency
gives the complaint back, and routing chooses again without every agency that returned it)."""

from django.db import transaction
from django.utils import timezone

from routing import live

from . import changes, events, lifecycle, merging
from .actors import SYSTEM, Actor
from .command_core import CommandError, Done, bump, locked, text_of
from .intake import category_hours, reschedule, route
from .models import HistoryEntry
from .privacy import mask

RETURNED = "returned"
NOT_OURS = "not_ours"


def correct(
    complaint_id: int,
    *,
    matcher,
    directory,
    lon=None,
    lat=None,
    categories=None,
    actor: Actor = SYSTEM,
    expected: int | None = None,
) -> Done:
    """A corrected pin or category routes the complaint again; the change goes into its history."""
    with transaction.atomic():
        complaint = locked(complaint_id, expected)
        new_lon = complaint.location.x if lon is None else lon
        new_lat = complaint.location.y if lat is None else lat
        new_categories = tuple(complaint.categories) if categories is None else tuple(categories)
        before = {
            "lon": complaint.location.x,
            "lat": complaint.location.y,
            "categories": complaint.categories,
            "agency": complaint.agency.code if complaint.agency else None,
        }
        routed = route(matcher, directory, new_lon, new_lat, new_categories)
        previous, left = complaint.agency, complaint.agency_id
        for name, value in routed.items():
            setattr(complaint, name, value)
        moved = complaint.agency_id != left
        if moved:
            complaint.escalated_to = None
        if (moved or list(new_categories) != before["categories"]) and complaint.parent_id is None:
            # Another agency gets its own window; another category its own target (a merged report
            # has none: its parent's run).
            reschedule(complaint, timezone.now(), category_hours(directory))
        bump(complaint)
        after = {
            "lon": new_lon,
            "lat": new_lat,
            "categories": list(new_categories),
            "agency": complaint.agency.code if complaint.agency else None,
        }
        entry = changes.record(
            complaint,
            "rerouted",
            actor=actor,
            data={"before": before, "after": after, "reason": routed["decision"]["reason"]},
            also_agency_id=left if moved else None,
        )
        events.emit(events.HandedOver(complaint, previous, complaint.agency))
    return Done(complaint, entry)


def returned_by(complaint_id: int) -> set[str]:
    """The codes of the agencies that said "not ours" for this complaint."""
    rows = HistoryEntry.objects.filter(complaint_id=complaint_id, event=RETURNED).values_list("data", flat=True)
    return {data.get("agency") for data in rows if data.get("agency")}


def _nobody(decision: dict, excluded: set[str]) -> None:
    """Say in the decision why the complaint waits for an operator."""
    codes = ", ".join(sorted(excluded))
    decision["reason"] = {
        "th": f"หน่วยงานที่รับผิดชอบแจ้งว่าไม่ใช่งานของตน ({codes}) และไม่มีหน่วยงานอื่น: รอผู้ดูแลระบบ",
        "en": f"returned as not theirs by {codes} and no other agency is responsible: waits for an operator",
    }
    decision["confidence"] = "none"


def not_ours(
    complaint_id: int,
    *,
    actor: Actor,
    reason: str,
    expected: int | None = None,
    matcher=None,
    directory=None,
) -> Done:
    """The agency gives the complaint back with a reason: it is routed again with every agency that
    returned it excluded, and waits (status waiting) with the new agency, or with none for an
    operator. The entry (event "returned") keeps the reason, the agency, and the rule and place of
    the decision that had routed it, so returns can be grouped by rule and place."""
    reason = text_of(reason, "reason")
    matcher = matcher or live.matcher.current()
    directory = directory or live.directory.current()
    with transaction.atomic():
        complaint = locked(complaint_id, expected)
        merging.check_movable(complaint)
        if complaint.status not in lifecycle.OPEN_STATES:
            raise lifecycle.IllegalTransition(NOT_OURS, complaint.status)
        giver = complaint.agency
        if giver is None:
            raise CommandError("agency", "the complaint has no agency to give it back", status=409, code="no_agency")
        if actor.role == "staff" and actor.agency != giver.code:
            raise CommandError(
                "agency", f"only {giver.code} can say the complaint is not theirs", status=403, code="other_agency"
            )
        excluded = returned_by(complaint.id) | {giver.code}
        rule = (complaint.decision.get("rule") or {}).get("id")
        routed = route(
            matcher, directory, complaint.location.x, complaint.location.y, complaint.categories, frozenset(excluded)
        )
        if routed["agency"] is None:
            _nobody(routed["decision"], excluded)
        source = complaint.status
        for name, value in routed.items():
            setattr(complaint, name, value)
        complaint.status, complaint.escalated_to = lifecycle.WAITING, None
        now = timezone.now()
        if complaint.parent_id is None:
            reschedule(complaint, now, category_hours(directory))
        bump(complaint)
        entry = changes.record(
            complaint,
            RETURNED,
            action=NOT_OURS,
            from_status=source,
            actor=actor,
            note=reason,
            data={
                # masked: data is published as written (the note is masked when read)
                "reason": mask(reason),
                "agency": giver.code,
                "rule": rule,
                "subdistrict_code": complaint.subdistrict_code,
                "to_agency": complaint.agency.code if complaint.agency else None,
            },
            also_agency_id=giver.id,
        )
        step = lifecycle.Transition(NOT_OURS, source, lifecycle.WAITING, False)
        followers = merging.follow(complaint, step, actor=actor, note=reason)
        events.emit(events.HandedOver(complaint, giver, complaint.agency, reason))
    return Done(complaint, entry, tuple(f.id for f in followers))
