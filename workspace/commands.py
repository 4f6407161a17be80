"""The write path the workspace calls: complaints/commands.py (one path for the API and the pages).
TEMPORARY fallback to workspace/_commands_tmp.py until that module is on main."""

try:  # pragma: no cover - whichever exists
    from complaints.commands import CommandError, Stale

    from complaints import commands as write

    def revision(complaint) -> int:
        return complaint.revision
except ImportError:  # pragma: no cover
    from . import _commands_tmp as write
    from ._commands_tmp import CommandError, Stale, revision

__all__ = ["CommandError", "Stale", "revision", "write"]
