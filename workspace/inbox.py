"""The inbox query (workspace/inbox_query.py): tabs, counts, filters, order and paging."""

from .inbox_query import COUNTED_TABS, TABS, InboxFilters, inbox, parse_filters

__all__ = ["COUNTED_TABS", "TABS", "InboxFilters", "inbox", "parse_filters"]
