"""The one write path: filing and every change of a complaint, as commands that return typed results.

Each command is one transaction: it locks the complaint's row, checks the caller's `expected`
revision (Stale when the row changed since the caller read it, with nothing written), makes the
change, raises `revision`, writes the history entry, runs the caller's `attach(complaint, entry)`
and emits lifecycle events (complaints/events.py) whose handlers (deliveries, subscription pushes,
the confirmation question) run in the same transaction. Fronts (the native API, Open311, the
officers' workspace) turn a request into a command and its result or refusal into an answer.

Refusals keep their types: lifecycle.IllegalTransition, intake.ComplaintError (CommandError is
one), merging.MergeError, moderation.ModerationError, confirmation.ConfirmationError.
"""

from .command_core import CommandError, Done, Stale
from .confirmation import confirm
from .merging import merge, unmerge
from .moderation import hide
from .moves import file, finish, forward, note, reopen, reply, start, transition
from .rerouting import correct, not_ours

__all__ = [
    "CommandError",
    "Done",
    "Stale",
    "confirm",
    "correct",
    "file",
    "finish",
    "forward",
    "hide",
    "merge",
    "not_ours",
    "note",
    "reopen",
    "reply",
    "start",
    "transition",
    "unmerge",
]
