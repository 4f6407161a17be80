"""The actions an officer takes on a complaint's page, as calls of the shared write path
(complaints/commands.py): the same history, change feed, subscriptions and deliveries as an API
call. Plain Python over a form's fields; the views only render what comes back.

A refusal is a `Refused(status, message)`: nothing was written (each command is one transaction;
an "after" photo is stored inside it, so a refused finish leaves no photo behind)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from complaints import commands as write
from complaints import lifecycle, merging
from complaints.actors import Actor
from complaints.commands import CommandError, Stale
from complaints.intake import ComplaintError
from photos import store
from photos.models import Photo
from photos.processing import PhotoError

ACTIONS = ("start", "finish", "reply", "note", "forward", "not_ours", "reopen", "merge", "unmerge")
MAX_TEXT = 5000


@dataclass
class Refused(Exception):
    status: int
    message: str
    field: str = ""
    current: object = None  # the fresh complaint, when it changed meanwhile


def actor_of(viewer) -> Actor:
    return Actor("staff", viewer.name, viewer.agency.code)


def text(form, name: str, *, required: bool = False, what: str = "") -> str:
    value = (form.get(name) or "").strip()
    if "\x00" in value:
        raise Refused(400, _("The text contains a character that cannot be stored."), name)
    if len(value) > MAX_TEXT:
        raise Refused(400, _("At most %(n)s characters.") % {"n": MAX_TEXT}, name)
    if required and not value:
        raise Refused(400, what or _("This field is required."), name)
    return value


def expected_revision(form) -> int:
    try:
        return int(form.get("revision", ""))
    except ValueError:
        raise Refused(400, _("The form is incomplete: reload the page and try again."), "revision") from None


def prepared_photos(files) -> list:
    uploads = [f for f in files.getlist("photo") if getattr(f, "size", 0)]
    if not uploads:
        raise Refused(400, _("Add an 'after' photo of the finished work."), "photo")
    try:
        return store.prepare(uploads[:1])
    except PhotoError as exc:
        raise Refused(400, _("The photo cannot be used: %(why)s") % {"why": exc.message}, "photo") from None


def _finish(complaint_id, actor, form, files, expected):
    note = text(form, "note")
    photos = prepared_photos(files)  # CPU work on the upload before any row is locked
    with store.attaching() as written:
        return write.finish(
            complaint_id,
            actor=actor,
            note=note,
            expected=expected,
            attach=lambda complaint, entry: store.attach(written, complaint, entry, Photo.AFTER, photos),
        )


def run(action: str, complaint_id: int, viewer, form, files=None):
    """Do `action` on the complaint as `viewer`; the command's Done, or Refused."""
    actor, expected = actor_of(viewer), expected_revision(form)
    try:
        if action == "start":
            return write.start(complaint_id, actor=actor, note=text(form, "note"), expected=expected)
        if action == "finish":
            return _finish(complaint_id, actor, form, files, expected)
        if action == "reply":
            message = text(form, "text", required=True, what=_("Write the reply first."))
            return write.reply(complaint_id, actor=actor, text=message, expected=expected)
        if action == "note":
            message = text(form, "text", required=True, what=_("Write the note first."))
            return write.note(complaint_id, actor=actor, text=message, expected=expected)
        if action == "forward":
            to = text(form, "to_agency", required=True, what=_("Choose the agency to forward to."))
            reason = text(form, "reason", required=True, what=_("Say why it is forwarded."))
            return write.forward(
                complaint_id, actor=actor, to_agency=to.split(" ")[0], reason=reason, expected=expected
            )
        if action == "not_ours":
            reason = text(form, "reason", required=True, what=_("Say why it is not yours."))
            return write.not_ours(complaint_id, actor=actor, reason=reason, expected=expected)
        if action == "reopen":
            return write.reopen(complaint_id, actor=actor, note=text(form, "note"), expected=expected)
        if action == "merge":
            parent = _number(form.get("parent"))
            return write.merge(complaint_id, parent, actor=actor, note=text(form, "note"), expected=expected)
        if action == "unmerge":
            return write.unmerge(complaint_id, actor=actor, note=text(form, "note"), expected=expected)
    except Stale as exc:
        raise Refused(
            409, _("This complaint was changed meanwhile; nothing was applied."), current=exc.current
        ) from None
    except lifecycle.IllegalTransition as exc:
        raise Refused(409, _("Not possible now: the complaint is %(state)s.") % {"state": _state(exc.state)}) from None
    except (CommandError, ComplaintError) as exc:
        raise Refused(400, exc.message, exc.field) from None
    except merging.MergeError as exc:
        raise Refused(exc.status, exc.message) from None
    raise Refused(404, _("No such action."))


def _number(value) -> int:
    try:
        return int(str(value or "").lstrip("#"))
    except ValueError:
        raise Refused(400, _("Give the number of the complaint to merge into."), "parent") from None


def _state(state: str) -> str:
    from .labels import STATUS

    return str(STATUS.get(state, state))


def bulk(action: str, complaints: list, viewer, form):
    """One action on several complaints, all or nothing (one transaction)."""
    if action not in ("start", "forward", "merge"):
        raise Refused(400, _("Choose an action for the selected complaints."), "action")
    if action == "merge" and len(complaints) < 2:
        raise Refused(400, _("Select at least two complaints to merge."), "ids")
    with transaction.atomic():
        if action == "merge":
            parent = min(complaints, key=lambda c: (c.parent_id is not None, c.created, c.id))
            for child in complaints:
                if child.id != parent.id:
                    run("merge", child.id, viewer, {"parent": parent.id, "revision": child.revision})
            return parent
        for complaint in complaints:
            run(action, complaint.id, viewer, {**_fields(form), "revision": complaint.revision})
    return None


def _fields(form) -> dict:
    return {k: form.get(k) for k in ("to_agency", "reason", "note")}
