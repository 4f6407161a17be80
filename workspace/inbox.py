"""The inbox query (workspace/inbox_query.py, helper `inboxperf`); TEMPORARY fallback to
workspace/_inbox_tmp.py until it lands."""

try:  # pragma: no cover
    from .inbox_query import InboxFilters, inbox
except ImportError:  # pragma: no cover
    from ._inbox_tmp import InboxFilters, inbox

TABS = ("new", "in_progress", "overdue", "escalated", "awaiting_reporter", "done")

__all__ = ["TABS", "InboxFilters", "inbox"]
