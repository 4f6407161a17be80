"""The write path the workspace calls: complaints/commands.py, the one the API and Open311 use."""

from complaints import commands as write
from complaints.commands import CommandError, Stale


def revision(complaint) -> int:
    """What a form sends back as `expected`: the row's revision when the page was drawn."""
    return complaint.revision


__all__ = ["CommandError", "Stale", "revision", "write"]
