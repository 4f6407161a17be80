"""The native API's side of the write path (complaints/commands.py): the optimistic
`expected_revision` field, "changed meanwhile" answers, and the actions beyond the lifecycle's
(reply, internal note, "not ours") on POST /complaints/{id}/transitions."""

from access.auth import sees_personal_data
from complaints import commands
from complaints.models import Complaint
from geo.http.errors import ApiError

# Actions that are not lifecycle steps, each a command taking the note as its text or reason.
EXTRA_ACTIONS = ("reply", "note", "not_ours")


def expected_of(body: dict) -> int | None:
    """The revision the caller read (optional): a change made meanwhile refuses the command."""
    value = body.get("expected_revision")
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 11:
        value = int(value)  # a multipart form's field
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ApiError(
            400, "invalid", "expected_revision: the complaint's revision as read", {"field": "expected_revision"}
        )
    return value


def run(request, fn, public):
    """`fn()`, with a stale revision answered 409 changed_meanwhile and the complaint as it is now
    (`public`: the representation, passed in by the view module that owns it)."""
    try:
        return fn()
    except commands.Stale as exc:
        current = Complaint.objects.select_related("agency", "escalated_to").get(id=exc.current.id)
        details = {
            "expected_revision": exc.expected,
            "revision": exc.found,
            "complaint": public(current, with_history=True, verbatim=sees_personal_data(request, current)),
        }
        message = f"the complaint changed since revision {exc.expected} (now {exc.found}): read it again"
        raise ApiError(409, "changed_meanwhile", message, details) from None


def extra(action: str, complaint_id: int, *, actor, note: str, expected: int | None) -> commands.Done:
    """reply / note / not_ours: the body's `note` is the reply, the note, or the reason."""
    if not note:
        raise ApiError(400, "invalid", f"note: {action} needs a text in note", {"field": "note"})
    if action == "reply":
        return commands.reply(complaint_id, actor=actor, text=note, expected=expected)
    if action == "note":
        return commands.note(complaint_id, actor=actor, text=note, expected=expected)
    return commands.not_ours(complaint_id, actor=actor, reason=note, expected=expected)
