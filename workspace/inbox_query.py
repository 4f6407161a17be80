"""The officers' inbox: which complaints an agency (or an executive's area) lists, in which order,
and how many fall in each tab. Plain Python over SQL; the pages call `inbox` and `parse_filters`.

What the tabs mean (an officer's work list, not the lifecycle's states one by one):
  new                waiting or forwarded (filed, reopened, or forwarded to us): nobody has started it
  in_progress        in_progress or follow_up
  overdue            open and past its deadline (due_at <= now, as complaints/deadlines.overdue)
  escalated          open and escalated to this agency (operators and executives: escalated at all)
  awaiting_reporter  finished, and the reporter's "is it fixed?" is neither answered nor expired
  done               finished or irrelevant
  open / all         every open complaint / every complaint (no tab)
An agency's complaints are those it is responsible for and those escalated to it. Merged reports
are not listed (they follow their parent); `duplicate_count` is the number merged into a row, and
"has duplicates" means at least one. Candidates not yet merged are found per complaint on its page
(complaints/duplicates.py): finding them for every row of a 100,000-row list is a spatial self-join.

Order: overdue first, then by deadline, then id. A closed complaint has no deadline (deadlines.py
gives closed states none), so ordering by due_at (nulls last) puts the overdue first by itself and
lets one index (migration 0008) return a page without sorting the agency's rows. The done and
awaiting_reporter tabs are the exceptions: most recently closed first, what an officer looks for.

Speed (docs/benchmarks.md#inbox): the agency's rows are read as two index branches (responsible,
escalated to), each stopping at the page's end, merged in order rather than sorted; the six tab
counts are one pass per branch with FILTER aggregates, index-only while the filters are those the
index includes (status, deadline, subdistrict, date, category). A text search reads the trigram
index once: its counts and page come from one statement over the matching rows.
"""

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints.lifecycle import FINISHED, FOLLOW_UP, FORWARDED, IN_PROGRESS, IRRELEVANT, OPEN_STATES, STATES, WAITING
from complaints.models import Complaint

BANGKOK = ZoneInfo("Asia/Bangkok")
Params = dict[str, Any]  # the SQL's named parameters
COUNTED_TABS = ("new", "in_progress", "overdue", "escalated", "awaiting_reporter", "done")
TABS = (*COUNTED_TABS, "open", "all")
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000
MAX_QUERY = 200
AREA_COLUMNS = {"province": ("province_code", 2), "district": ("district_code", 4)}


def _in(states: Iterable[str]) -> str:
    # The lifecycle's own constants, written into the SQL so the partial indexes' predicates match.
    return "c.status IN (" + ", ".join(f"'{s}'" for s in states) + ")"


PENDING_CONFIRMATION = (
    "c.id IN (SELECT q.complaint_id FROM complaints_confirmation q"
    " WHERE q.answered_at IS NULL AND q.expires_at > %(now)s)"
)
OPEN = _in(OPEN_STATES)
TAB_SQL = {
    "new": _in((WAITING, FORWARDED)),
    "in_progress": _in((IN_PROGRESS, FOLLOW_UP)),
    "overdue": f"{OPEN} AND c.due_at <= %(now)s",
    "escalated": None,  # depends on the scope: see _escalated
    "awaiting_reporter": f"c.status = '{FINISHED}' AND {PENDING_CONFIRMATION}",
    "done": _in((FINISHED, IRRELEVANT)),
    "open": OPEN,
    "all": "TRUE",
}
# Closed complaints have no deadline: most recently closed first (the questions still open are
# the last week's, so the done index finds them at its top).
LATEST_CLOSED = "c.resolved_at DESC NULLS LAST, c.id DESC"
ORDER = {"done": LATEST_CLOSED, "awaiting_reporter": LATEST_CLOSED}
DEFAULT_ORDER = "c.due_at ASC NULLS LAST, c.id ASC"


@dataclass(frozen=True)
class InboxFilters:
    tab: str = "open"
    category: str = ""
    subdistrict: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive, by created (Asia/Bangkok days)
    has_duplicates: bool | None = None
    q: str = ""  # a complaint number, a client ticket id, or text in the description
    page: int = 1
    page_size: int = 50


@dataclass
class InboxPage:
    rows: list
    counts: dict
    total: int
    page: int
    pages: int


def inbox(
    agency_id: int | None, filters: InboxFilters, *, now: datetime | None = None, area: tuple[str, str] | None = None
) -> InboxPage:
    """One page of the inbox of an agency (agency_id), of an area (agency_id None, area ("province",
    "53") or ("district", "5301"): an executive's view) or of everything (both None: operators)."""
    params: Params = {"now": now or timezone.now(), "agency": agency_id}
    branches = _branches(agency_id, area, params)
    where = " AND ".join(_filters(filters, params))
    counted = {tab: _escalated(agency_id) if tab == "escalated" else TAB_SQL[tab] for tab in COUNTED_TABS}
    counted.setdefault(filters.tab, TAB_SQL[filters.tab])
    counts = ", ".join(f"count(*) FILTER (WHERE {sql})" for sql in counted.values())
    order = ORDER.get(filters.tab, DEFAULT_ORDER)
    listed = f"{where} AND {counted[filters.tab]}"
    with connection.cursor() as cursor:
        if "q_like" in params:
            found, page, ids = _searched(cursor, filters, params, " OR ".join(f"({b})" for b in branches), where,
                                         (counts, counted[filters.tab], order), list(counted))  # fmt: skip
        else:
            # One aggregate row per branch (an aggregate over their UNION would add a pass over every row).
            cursor.execute(" UNION ALL ".join(_select(b, where, counts) for b in branches), params)
            found = dict(zip(counted, (sum(column) for column in zip(*cursor.fetchall())), strict=True))
            page = _last_page_at_most(filters, found[filters.tab])
            _page_params(params, filters, page)
            # Each branch is read in order from its index and stops at the page's end; only those are sorted.
            branch = f"{listed} ORDER BY {order} LIMIT %(reach)s"
            union = " UNION ALL ".join(f"({_select(b, branch, 'c.id, c.due_at, c.resolved_at')})" for b in branches)
            cursor.execute(f"SELECT c.id FROM ({union}) c ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s", params)
            ids = [row[0] for row in cursor.fetchall()]
    total = found[filters.tab]
    pages = max(1, math.ceil(total / filters.page_size))
    return InboxPage(_rows(ids), {tab: found[tab] for tab in COUNTED_TABS}, total, page, pages)


def _searched(
    cursor: CursorWrapper, filters: InboxFilters, params: Params, scope: str, where: str, sql: tuple, tabs: list[str]
) -> tuple[dict[str, int], int, list[int]]:
    """Counts and a page in one statement over the rows the text matches: the trigram index is
    read once (a common word matches thousands of rows, and reading it costs more than the rest)."""
    counts, tab, order = sql
    matched = _select(f"({scope})", where, "c.id, c.status, c.due_at, c.escalated_to_id, c.resolved_at")
    statement = (
        f"WITH m AS MATERIALIZED ({matched}) SELECT {counts}, (SELECT array_agg(c.id ORDER BY {order}) FROM"
        f" (SELECT * FROM m c WHERE {tab} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) c) FROM m c"
    )
    page = filters.page
    while True:
        _page_params(params, filters, page)
        cursor.execute(statement, params)
        *numbers, ids = cursor.fetchone()
        found = dict(zip(tabs, numbers, strict=True))
        last = _last_page_at_most(filters, found[filters.tab])
        if last == page:
            return found, page, ids or []
        page = last  # asked past the end: the last page, once more


def _last_page_at_most(filters: InboxFilters, total: int) -> int:
    return min(filters.page, max(1, math.ceil(total / filters.page_size)))


def _page_params(params: Params, filters: InboxFilters, page: int) -> None:
    offset = (page - 1) * filters.page_size
    params.update(limit=filters.page_size, offset=offset, reach=offset + filters.page_size)


def _branches(agency_id: int | None, area: tuple[str, str] | None, params: Params) -> list[str]:
    scope = "TRUE"
    if area is not None:
        kind, code = area
        column, length = AREA_COLUMNS.get(kind, (None, 0))
        if column is None or not (isinstance(code, str) and code.isdigit() and len(code) == length):
            raise ValueError("area", f"expected ('province', 2 digits) or ('district', 4 digits), not {area!r}")
        # A district's code starts with its province's: both columns, so the area index's range is one.
        scope = f"c.province_code = %(province)s AND c.{column} = %(area)s"
        params.update(area=code, province=code[:2])
    if agency_id is None:
        return [scope]
    # Two branches, each read in order from its own index, rather than one OR that must be sorted.
    return [
        f"{scope} AND c.agency_id = %(agency)s",
        f"{scope} AND c.escalated_to_id = %(agency)s AND c.agency_id IS DISTINCT FROM %(agency)s",
    ]


def _escalated(agency_id: int | None) -> str:
    return f"{OPEN} AND " + ("c.escalated_to_id IS NOT NULL" if agency_id is None else "c.escalated_to_id = %(agency)s")


def _select(scope: str, where: str, columns: str) -> str:
    return f"SELECT {columns} FROM complaints_complaint c WHERE c.parent_id IS NULL AND {scope} AND {where}"


def _filters(f: InboxFilters, params: Params) -> list[str]:
    sql = ["TRUE"]
    if f.category:
        sql.append("c.categories @> %(category)s::jsonb")
        params["category"] = json.dumps([f.category])
    if f.subdistrict:
        sql.append("c.subdistrict_code = %(subdistrict)s")
        params["subdistrict"] = f.subdistrict
    if f.status:
        sql.append("c.status = %(status)s")
        params["status"] = f.status
    if f.date_from:
        sql.append("c.created >= %(since)s")
        params["since"] = _bangkok_midnight(f.date_from)
    if f.date_to:
        sql.append("c.created < %(until)s")
        params["until"] = _bangkok_midnight(f.date_to + timedelta(days=1))
    if f.has_duplicates is not None:
        # The merged reports are few: one hashed set of parents, probed per row.
        merged = "c.id IN (SELECT m.parent_id FROM complaints_complaint m WHERE m.parent_id IS NOT NULL)"
        sql.append(merged if f.has_duplicates else f"NOT {merged}")
    if f.q:
        sql.append(_search(f.q, params))
    return sql


def _search(q: str, params: Params) -> str:
    params["q"] = q
    number = q.removeprefix("#")
    if number.isdigit() and int(number) < 2**63:
        params["q_id"] = int(number)
        return "(c.id = %(q_id)s OR c.client_ticket_id = %(q)s)"
    params["q_like"] = "%" + re.sub(r"([\\%_])", r"\\\1", q) + "%"
    return "(c.client_ticket_id = %(q)s OR c.description ILIKE %(q_like)s)"


def _bangkok_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BANGKOK)


def _rows(ids: list[int]) -> list:
    merged = (
        Complaint.objects.filter(parent_id=OuterRef("pk"))
        .order_by()
        .values("parent_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    found = (
        Complaint.objects.filter(id__in=ids)
        .select_related("agency", "escalated_to")
        .annotate(duplicate_count=Coalesce(Subquery(merged, output_field=IntegerField()), Value(0)))
        .order_by()
    )
    by_id = {c.id: c for c in found}
    return [by_id[i] for i in ids if i in by_id]


# -- request.GET -> InboxFilters ---------------------------------------------------------------

YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_filters(query: Mapping[str, Any]) -> InboxFilters:
    """The inbox's filters from a query string (request.GET or a dict); a bad value raises
    ValueError(field, message). Empty values mean "no filter"."""

    def text(name: str) -> str:
        value = query.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    tab = text("tab") or "open"
    if tab not in TABS:
        raise ValueError("tab", f"one of {', '.join(TABS)}")
    category = text("category")
    if category and not re.fullmatch(r"[a-z0-9_-]{1,40}", category):
        raise ValueError("category", "a category code (lower-case letters, digits, _ and -)")
    subdistrict = text("subdistrict")
    if subdistrict and not re.fullmatch(r"\d{6}", subdistrict):
        raise ValueError("subdistrict", "a subdistrict code of 6 digits")
    status = text("status")
    if status and status not in STATES:
        raise ValueError("status", f"one of {', '.join(STATES)}")
    date_from, date_to = _date(text("date_from"), "date_from"), _date(text("date_to"), "date_to")
    if date_from and date_to and date_from > date_to:
        raise ValueError("date_to", "must not be before date_from")
    duplicates = text("has_duplicates").lower()
    if duplicates and duplicates not in YES + NO:
        raise ValueError("has_duplicates", "yes or no (1 or 0)")
    q = text("q")
    if len(q) > MAX_QUERY:
        raise ValueError("q", f"at most {MAX_QUERY} characters")
    return InboxFilters(
        tab=tab,
        category=category,
        subdistrict=subdistrict,
        status=status,
        date_from=date_from,
        date_to=date_to,
        has_duplicates=(duplicates in YES) if duplicates else None,
        q=q,
        page=_whole(text("page"), "page", 1, MAX_PAGE, 1),
        page_size=_whole(text("page_size"), "page_size", 1, MAX_PAGE_SIZE, 50),
    )


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(field, "a date as YYYY-MM-DD")


def _whole(value: str, field: str, low: int, high: int, default: int) -> int:
    if not value:
        return default
    if not re.fullmatch(r"\d{1,9}", value) or not low <= int(value) <= high:
        raise ValueError(field, f"a whole number from {low} to {high}")
    return int(value)
