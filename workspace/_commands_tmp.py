"""TEMPORARY: the write-path contract (complaints/commands.py, /work/agents/contract.md) over the
existing intake/merging functions, until the `writepath` branch lands. Deleted then."""

from dataclasses import dataclass

from django.db import transaction

from complaints import changes, intake, merging
from complaints.models import Complaint, HistoryEntry
from routing.models import Agency

CommandError = intake.ComplaintError


class Stale(Exception):
    def __init__(self, current, expected, found):
        super().__init__(f"changed meanwhile: revision {found}, not {expected}")
        self.current, self.expected, self.found = current, expected, found


@dataclass(frozen=True)
class Done:
    complaint: Complaint
    entry: HistoryEntry | None
    followers: tuple = ()


def revision(complaint) -> int:
    return HistoryEntry.objects.filter(complaint_id=complaint.id).count()


def _check(complaint_id, expected):
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("agency").get(id=complaint_id)
    if expected is not None and revision(complaint) != expected:
        raise Stale(complaint, expected, revision(complaint))
    return complaint


def _done(complaint_id):
    complaint = Complaint.objects.select_related("agency").get(id=complaint_id)
    return Done(
        complaint, complaint.history.filter(event__in=("transition", "merged", "unmerged")).order_by("-id").first()
    )


def transition(complaint_id, action, *, actor, note="", photo_url="", forward_to=None, expected=None, attach=None):
    with transaction.atomic():
        _check(complaint_id, expected)
        intake.move(complaint_id, action, actor=actor, note=note, photo_url=photo_url, forward_to=forward_to)
        done = _done(complaint_id)
        if attach is not None:
            attach(done.complaint, done.entry)
    return done


def start(complaint_id, *, actor, note="", expected=None):
    return transition(complaint_id, "start", actor=actor, note=note, expected=expected)


def finish(complaint_id, *, actor, note="", photo_url="", expected=None, attach=None):
    return transition(complaint_id, "finish", actor=actor, note=note, expected=expected, attach=attach)


def forward(complaint_id, *, actor, to_agency, reason, expected=None):
    if not (reason or "").strip():
        raise CommandError("reason", "a forward needs a reason")
    return transition(complaint_id, "forward", actor=actor, note=reason, forward_to=to_agency, expected=expected)


def reopen(complaint_id, *, actor, note="", expected=None):
    return transition(complaint_id, "reopen", actor=actor, note=note, expected=expected)


def not_ours(complaint_id, *, actor, reason, expected=None):
    if not (reason or "").strip():
        raise CommandError("reason", '"not ours" needs a reason')
    with transaction.atomic():
        complaint = _check(complaint_id, expected)
        left = complaint.agency_id
        data = {"agency": complaint.agency.code if complaint.agency else None, "reason": reason}
        complaint.agency, complaint.status = None, "waiting"
        complaint.save()
        entry = changes.record(complaint, "returned", actor=actor, note=reason, data=data, also_agency_id=left)
    return Done(Complaint.objects.select_related("agency").get(id=complaint_id), entry)


def _entry(complaint_id, event, actor, text, expected):
    if not (text or "").strip():
        raise CommandError("text", "the text is empty")
    with transaction.atomic():
        complaint = _check(complaint_id, expected)
        complaint.save()
        entry = changes.record(complaint, event, actor=actor, note=text.strip())
    return Done(complaint, entry)


def reply(complaint_id, *, actor, text, expected=None):
    return _entry(complaint_id, "reply", actor, text, expected)


def note(complaint_id, *, actor, text, expected=None):
    return _entry(complaint_id, "note", actor, text, expected)


def merge(child_id, parent_id, *, actor, force=False, note="", expected=None):
    with transaction.atomic():
        _check(child_id, expected)
        merging.merge(child_id, parent_id, actor=actor, force=force, note=note)
        return _done(child_id)


def unmerge(child_id, *, actor, note="", expected=None):
    with transaction.atomic():
        _check(child_id, expected)
        merging.unmerge(child_id, actor=actor, note=note)
        return _done(child_id)


def active_agency(code):
    return Agency.objects.filter(code=code, active=True).first()
