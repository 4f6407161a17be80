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
lets one index (migration 0008) return a page without sorting the agency's rows. The done tab is
the exception: most recently closed first, which is what an officer looks for there.

Speed (docs/benchmarks.md#inbox): the agency's rows are read as two index branches (responsible,
escalated to) joined by UNION ALL, which PostgreSQL merges in order rather than sorting; the six
tab counts are one pass with FILTER aggregates, index-only while the filters are those the index
includes (status, deadline, subdistrict, date).
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from complaints.lifecycle import FINISHED, FOLLOW_UP, FORWARDED, IN_PROGRESS, IRRELEVANT, OPEN_STATES, STATES, WAITING
from complaints.models import Complaint

BANGKOK = ZoneInfo("Asia/Bangkok")
COUNTED_TABS = ("new", "in_progress", "overdue", "escalated", "awaiting_reporter", "done")
TABS = (*COUNTED_TABS, "open", "all")
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000
MAX_QUERY = 200
AREA_COLUMNS = {"province": ("province_code", 2), "district": ("district_code", 4)}


def _in(states) -> str:
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
ORDER = {"done": "c.resolved_at DESC NULLS LAST, c.id DESC"}
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


def inbox(agency_id: int | None, filters: InboxFilters, *, now=None, area: tuple[str, str] | None = None) -> InboxPage:
    """One page of the inbox of an agency (agency_id), of an area (agency_id None, area ("province",
    "53") or ("district", "5301"): an executive's view) or of everything (both None: operators)."""
    now = now or timezone.now()
    params = {"now": now, "agency": agency_id}
    branches = _branches(agency_id, area, params)
    where = " AND ".join(_filters(filters, params))
    counted = {tab: _escalated(agency_id) if tab == "escalated" else TAB_SQL[tab] for tab in COUNTED_TABS}
    if filters.tab not in COUNTED_TABS:
        counted[filters.tab] = TAB_SQL[filters.tab]
    columns = ", ".join(f"count(*) FILTER (WHERE {sql})" for sql in counted.values())
    union = _union(branches, where, "c.id, c.status, c.due_at, c.escalated_to_id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM ({union}) c", params)
        found = dict(zip(counted, cursor.fetchone(), strict=True))
        total = found[filters.tab]
        pages = max(1, math.ceil(total / filters.page_size))
        page = min(filters.page, pages)
        tab = counted[filters.tab]
        union = _union(branches, f"{where} AND {tab}", "c.id, c.due_at, c.resolved_at")
        params.update(limit=filters.page_size, offset=(page - 1) * filters.page_size)
        order = ORDER.get(filters.tab, DEFAULT_ORDER)
        cursor.execute(f"SELECT c.id FROM ({union}) c ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s", params)
        ids = [row[0] for row in cursor.fetchall()]
    return InboxPage(_rows(ids), {tab: found[tab] for tab in COUNTED_TABS}, total, page, pages)


def _branches(agency_id, area, params) -> list[str]:
    scope = "TRUE"
    if area is not None:
        kind, code = area
        column, length = AREA_COLUMNS.get(kind, (None, 0))
        if column is None or not (isinstance(code, str) and code.isdigit() and len(code) == length):
            raise ValueError("area", f"expected ('province', 2 digits) or ('district', 4 digits), not {area!r}")
        scope = f"c.{column} = %(area)s"
        params["area"] = code
    if agency_id is None:
        return [scope]
    # Two branches, each read in order from its own index, rather than one OR that must be sorted.
    return [
        f"{scope} AND c.agency_id = %(agency)s",
        f"{scope} AND c.escalated_to_id = %(agency)s AND c.agency_id IS DISTINCT FROM %(agency)s",
    ]


def _escalated(agency_id) -> str:
    return f"{OPEN} AND " + ("c.escalated_to_id IS NOT NULL" if agency_id is None else "c.escalated_to_id = %(agency)s")


def _union(branches, where, columns) -> str:
    return " UNION ALL ".join(
        f"SELECT {columns} FROM complaints_complaint c WHERE c.parent_id IS NULL AND {branch} AND {where}"
        for branch in branches
    )


def _filters(f: InboxFilters, params) -> list[str]:
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


def _search(q: str, params) -> str:
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
    )
    by_id = {c.id: c for c in found}
    return [by_id[i] for i in ids if i in by_id]


# -- request.GET -> InboxFilters ---------------------------------------------------------------

YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_filters(query) -> InboxFilters:
    """The inbox's filters from a query string (request.GET or a dict); a bad value raises
    ValueError(field, message). Empty values mean "no filter"."""

    def text(name):
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
