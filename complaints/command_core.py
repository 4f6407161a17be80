"""What every command shares (complaints/commands.py is the list): the row lock with the
optimistic revision check, the revision raise, the typed result and refusal."""

from collections.abc import Callable
from dataclasses import dataclass

from .intake import ComplaintError
from .models import Complaint, HistoryEntry

MAX_TEXT = 5000

Attach = Callable[[Complaint, HistoryEntry], object] | None


class Stale(Exception):
    """The complaint changed since the caller read it: `current` is the fresh row, `expected` and
    `found` are the revision numbers. Fronts show "changed meanwhile" with the new state."""

    def __init__(self, current: Complaint, expected: int, found: int):
        super().__init__(f"complaint {current.id} changed meanwhile: revision {found}, not {expected}")
        self.current, self.expected, self.found = current, expected, found


class CommandError(ComplaintError):
    """A command refused for one field; `status` and `code` are what an HTTP front answers."""

    def __init__(self, field: str, message: str, *, status: int = 400, code: str = "invalid"):
        super().__init__(field, message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Done:
    complaint: Complaint  # after the change (fresh, agency selected)
    entry: HistoryEntry | None  # the history entry the change wrote (None when nothing changed)
    followers: tuple[int, ...] = ()  # merged reports that moved with it


def locked(complaint_id: int, expected: int | None = None) -> Complaint:
    """The complaint's row, locked for this transaction, checked against `expected`."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("agency").get(id=complaint_id)
    check(complaint, expected)
    return complaint


def check(complaint: Complaint, expected: int | None) -> None:
    if expected is not None and complaint.revision != expected:
        raise Stale(complaint, expected, complaint.revision)


def bump(complaint: Complaint, fields: list[str] | None = None) -> None:
    """Save a changed row with its next revision (`fields`: only these, plus revision and updated)."""
    complaint.revision += 1
    if fields is None:
        complaint.save()
    else:
        complaint.save(update_fields=[*fields, "revision", "updated"])


def text_of(value, name: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CommandError(name, "must be a string")
    value = value.strip()
    if required and not value:
        raise CommandError(name, "must not be empty")
    if len(value) > limit or "\x00" in value:
        raise CommandError(name, f"at most {limit} characters, no NUL")
    return value
