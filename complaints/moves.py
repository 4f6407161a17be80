"""Filing and the lifecycle commands (file, transition and its named steps), with the public
reply and the internal note: see complaints/commands.py for the rules every command follows."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from routing.models import Agency
from routing.rules.responsibility import UnknownCategory

from . import changes, deadlines, events, lifecycle, merging
from .actors import SYSTEM, Actor
from .command_core import Attach, Done, bump, locked, text_of
from .intake import ComplaintError, Filing, category_hours, existing, reschedule, route
from .models import INTERNAL_NOTE, Complaint

REPLY = "reply"


def file(
    filing: Filing,
    *,
    matcher,
    directory,
    idempotency_key: str | None = None,
    deliver: bool = True,
    attach: Attach = None,
) -> tuple[Complaint, bool]:
    """(complaint, created). Routing happens before the write; the write is one transaction, with
    what follows a filing (events.Filed: the deliveries to the agency, unless deliver=False for
    imports of history). `attach(complaint, entry)` runs in it first (photos/store.py adds photos).

    New complaints are the common case, so the insert goes first and the unique constraints on the
    Idempotency-Key and on (source, ticket id) catch a retry: one query fewer than asking first.
    """
    try:
        routed = route(matcher, directory, filing.lon, filing.lat, filing.categories)
    except (ComplaintError, UnknownCategory):
        # Accepted once, refused now (the boundaries or categories changed since): still the same one.
        found = existing(filing, idempotency_key)
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
        reschedule(complaint, now, category_hours(directory))
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
            if attach is not None:
                attach(complaint, entry)
            events.emit(events.Filed(complaint, entry, deliver))
    except IntegrityError:
        # A concurrent retry won the race: answer with its complaint.
        found = existing(filing, idempotency_key)
        if found is None:
            raise
        return found, False
    return complaint, True


def transition(
    complaint_id: int,
    action: str,
    *,
    actor: Actor = SYSTEM,
    note: str = "",
    photo_url: str = "",
    forward_to: str | None = None,
    expected: int | None = None,
    attach: Attach = None,
) -> Done:
    """A lifecycle step (complaints/lifecycle.py); merged reports follow; events.HandedOver for a
    forward and events.Moved for every step."""
    with transaction.atomic():
        complaint = locked(complaint_id, expected)
        merging.check_movable(complaint)
        step = lifecycle.transition(complaint.status, action)
        data, left, previous, target = {}, None, complaint.agency, None
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
            complaint.agency = target
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
            reschedule(complaint, now)
        bump(complaint)
        entry = changes.record(
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
        if attach is not None:
            attach(complaint, entry)
        followers = merging.follow(complaint, step, actor=actor, note=note, photo_url=photo_url)
        if target is not None:
            events.emit(events.HandedOver(complaint, previous, target, note))
        events.emit(events.Moved(complaint, entry, step, now, tuple(followers)))
    return Done(complaint, entry, tuple(f.id for f in followers))


def start(complaint_id: int, *, actor: Actor, note: str = "", expected: int | None = None) -> Done:
    return transition(complaint_id, "start", actor=actor, note=note, expected=expected)


def finish(
    complaint_id: int,
    *,
    actor: Actor,
    note: str = "",
    photo_url: str = "",
    expected: int | None = None,
    attach: Attach = None,
) -> Done:
    """Finished: the note is public (what was done); the reporter is asked "is it fixed?"."""
    return transition(
        complaint_id, "finish", actor=actor, note=note, photo_url=photo_url, expected=expected, attach=attach
    )


def forward(complaint_id: int, *, actor: Actor, to_agency: str, reason: str, expected: int | None = None) -> Done:
    return transition(complaint_id, "forward", actor=actor, note=reason, forward_to=to_agency, expected=expected)


def reopen(complaint_id: int, *, actor: Actor, note: str = "", expected: int | None = None) -> Done:
    return transition(complaint_id, "reopen", actor=actor, note=note, expected=expected)


def reply(complaint_id: int, *, actor: Actor, text: str, expected: int | None = None) -> Done:
    """A public reply to the reporter: in the public history, the change feed and so the intake
    system's subscription, like a note on a transition."""
    text = text_of(text, "text")
    with transaction.atomic():
        complaint = locked(complaint_id, expected)
        bump(complaint, [])  # `updated` moves: an Open311 reader asking by update time sees the reply
        entry = changes.record(complaint, REPLY, action=REPLY, actor=actor, note=text)
    return Done(complaint, entry)


def note(complaint_id: int, *, actor: Actor, text: str, expected: int | None = None) -> Done:
    """An internal note for the agency's staff: never in a public output, feed, push or delivery
    (HistoryEntry's default manager and the feed's query leave INTERNAL_NOTE out)."""
    text = text_of(text, "text")
    with transaction.atomic():
        complaint = locked(complaint_id, expected)
        # The revision only: `updated` is published, and would tell the public something happened.
        complaint.revision += 1
        complaint.save(update_fields=["revision"])
        entry = changes.record(complaint, INTERNAL_NOTE, action="note", actor=actor, note=text)
    return Done(complaint, entry)
