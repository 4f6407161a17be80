"""Merging duplicate reports into one complaint that is worked (the parent).

A merged report (a child) keeps its own row, reporter and history; it points at its parent, takes
the parent's status at the merge and on every later move of the parent (`follow`, called by
the parent's command in its transaction), and is not moved on its own. Each of those
steps is a history entry of the child, written through complaints.changes.record, so the intake
system that filed the child reads it in its change feed and subscriptions. Nothing is deleted:
unmerging puts the child back on its own with its history intact.

One level only: a parent is never itself merged, so following a parent is one query and a cycle
is the one case of merging a parent into its own child.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import changes, deadlines, lifecycle
from .actors import SYSTEM, Actor
from .command_core import CommandError, Done, bump, check, locked
from .intake import targets_of
from .models import Complaint


class MergeError(Exception):
    """A merge or unmerge refused: an HTTP status, a stable code, a message and details."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def _locked(*ids) -> dict:
    # In id order, so two merges of the same pair cannot deadlock.
    rows = Complaint.objects.select_for_update(of=("self",)).filter(id__in=ids).order_by("id")
    return {c.id: c for c in rows}


def check_movable(complaint: Complaint):
    """A merged report moves only with its parent."""
    if complaint.parent_id is not None:
        raise MergeError(
            409,
            "merged",
            f"complaint {complaint.id} is merged into {complaint.parent_id} and follows it; move the parent"
            " or unmerge this one first",
            {"parent": complaint.parent_id},
        )


def _refusal(child: Complaint, parent: Complaint, force: bool) -> MergeError | None:
    if parent.parent_id == child.id:
        return MergeError(
            409, "merge_cycle", f"complaint {parent.id} is merged into {child.id}: merging back would make a cycle"
        )
    if parent.parent_id is not None:
        return MergeError(
            409,
            "parent_is_merged",
            f"complaint {parent.id} is itself merged into {parent.parent_id}; merge into that one",
            {"parent": parent.parent_id},
        )
    if child.parent_id is not None:
        return MergeError(
            409,
            "already_merged",
            f"complaint {child.id} is already merged into {child.parent_id}; unmerge it first",
            {"parent": child.parent_id},
        )
    if child.children.exists():
        return MergeError(
            409,
            "has_reports",
            f"complaint {child.id} has reports merged into it; merge {parent.id} into it instead, or unmerge them",
        )
    if parent.status not in lifecycle.OPEN_STATES:
        return MergeError(
            409, "parent_closed", f"complaint {parent.id} is {parent.status}: merge only into an open complaint"
        )
    if child.status not in lifecycle.OPEN_STATES:
        return MergeError(409, "child_closed", f"complaint {child.id} is {child.status}: only open reports are merged")
    if not set(child.categories) & set(parent.categories) and not force:
        return MergeError(
            409,
            "category_mismatch",
            f"complaint {child.id} ({', '.join(child.categories)}) and {parent.id} ({', '.join(parent.categories)})"
            " share no category; send force=true to merge anyway",
        )
    if not settings.GEO_PUBLIC_READ and child.intake_key_id != parent.intake_key_id:
        # With reads private, the child's intake system would learn of another system's complaint.
        return MergeError(
            403, "cross_intake", "the two complaints were filed by different intake systems and reads are private"
        )
    return None


def _same_agency(actor: Actor, child: Complaint, parent: Complaint) -> None:
    """Staff merge only within their agency: both reports must be its own (issue #25). The fronts
    let staff act only on their agency's complaints (the child); the parent must be of the same
    agency. Operators and the system merge across agencies."""
    if actor.role != "staff" or child.agency_id == parent.agency_id:
        return
    own = actor.agency or (child.agency.code if child.agency else "no agency")
    raise CommandError(
        "agency",
        f"complaint {parent.id} is not {own}'s: staff merge only their own agency's complaints",
        status=403,
        code="other_agency",
    )


def merge(
    child_id: int,
    parent_id: int,
    *,
    actor: Actor = SYSTEM,
    force: bool = False,
    note: str = "",
    expected: int | None = None,
) -> Done:
    """Merge report `child_id` into `parent_id`; the child takes the parent's status. Repeating a
    merge already made returns the child unchanged (entry None). `expected` is the child's revision."""
    if child_id == parent_id:
        raise MergeError(400, "self_merge", "a complaint cannot be merged into itself", {"field": "parent"})
    with transaction.atomic():
        rows = _locked(child_id, parent_id)
        if child_id not in rows:
            raise Complaint.DoesNotExist
        if parent_id not in rows:
            raise MergeError(400, "invalid", f"parent: no complaint {parent_id}", {"field": "parent"})
        child, parent = rows[child_id], rows[parent_id]
        check(child, expected)
        if child.parent_id == parent.id:
            return Done(child, None)
        _same_agency(actor, child, parent)
        refused = _refusal(child, parent, force)
        if refused:
            raise refused
        before = child.status
        child.parent, child.status, child.merged_at = parent, parent.status, timezone.now()
        # The parent's deadlines are the ones that run; a child must not remind or escalate on its own.
        child.due_at = child.alarm_at = None
        bump(child)
        entry = changes.record(
            child,
            "merged",
            action="merge",
            from_status=before,
            to_status=child.status,
            actor=actor,
            note=note,
            data={"parent": parent.id, "forced": force},
        )
        changes.record(parent, "merged_in", action="merge", actor=actor, data={"child": child.id})
    return Done(child, entry)


def unmerge(child_id: int, *, actor: Actor = SYSTEM, note: str = "", expected: int | None = None) -> Done:
    """Put a merged report back on its own, in the status it has now, with deadlines of its own."""
    with transaction.atomic():
        child = locked(child_id, expected)
        if child.parent_id is None:
            raise MergeError(409, "not_merged", f"complaint {child.id} is not merged into another")
        parent = Complaint.objects.select_for_update(of=("self",)).get(id=child.parent_id)
        now = timezone.now()
        child.parent, child.merged_at = None, None
        plan = deadlines.schedule(child.status, created=child.created, now=now, targets=targets_of(child))
        child.due_at, child.alarm_at = plan.due_at, plan.alarm_at
        bump(child)
        entry = changes.record(child, "unmerged", action="unmerge", actor=actor, note=note, data={"parent": parent.id})
        changes.record(parent, "unmerged_out", action="unmerge", actor=actor, data={"child": child.id})
    return Done(child, entry)


def follow(parent: Complaint, step: lifecycle.Transition, *, actor: Actor, note: str = "", photo_url: str = ""):
    """The parent just moved by `step` (inside its transaction): each merged report takes its new
    status, with a history entry of its own that its intake system reads in its feed. Returns them."""
    now = timezone.now()
    moved_children = []
    for child in Complaint.objects.select_for_update(of=("self",)).filter(parent_id=parent.id).order_by("id"):
        moved = lifecycle.follow(child.status, step)
        child.status = moved.target
        if moved.counts_reopen:
            child.reopen_count += 1
            child.resolved_at = None
        if child.first_response_at is None:
            child.first_response_at = now
        if moved.target == lifecycle.FINISHED:
            child.resolved_at = now
        bump(child)
        changes.record(
            child,
            "transition",
            action=moved.action,
            from_status=moved.source,
            to_status=moved.target,
            actor=actor,
            note=note,
            photo_url=photo_url,
            data={"parent": parent.id, "followed": True},
        )
        moved_children.append(child)
    return moved_children


def reports(parent_id: int) -> list[int]:
    """The ids of the reports merged into a complaint."""
    return list(Complaint.objects.filter(parent_id=parent_id).order_by("id").values_list("id", flat=True))
