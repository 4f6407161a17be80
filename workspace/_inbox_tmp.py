"""TEMPORARY: the inbox query's interface (workspace/inbox_query.py, helper `inboxperf`) in its
plainest form, until that module lands. Deleted then."""

import math
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from complaints.lifecycle import FINISHED, IRRELEVANT, OPEN_STATES
from complaints.models import Complaint, Confirmation

from .access import in_area

TABS = ("new", "in_progress", "overdue", "escalated", "awaiting_reporter", "done")


@dataclass
class InboxFilters:
    tab: str = ""
    category: str = ""
    subdistrict: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    has_duplicates: bool = False
    q: str = ""
    page: int = 1
    page_size: int = 50


@dataclass
class InboxPage:
    rows: list
    counts: dict
    total: int
    page: int
    pages: int


def _tabs(agency_id, now):
    asked = Confirmation.objects.filter(complaint=OuterRef("pk"), answered_at__isnull=True, expires_at__gt=now)
    mine = Q(agency_id=agency_id) if agency_id else Q()
    return {
        "new": mine & Q(status__in=("waiting", "forwarded")),
        "in_progress": mine & Q(status__in=("in_progress", "follow_up")),
        "overdue": mine & Q(status__in=OPEN_STATES, due_at__lt=now),
        "escalated": Q(escalated_to_id=agency_id) if agency_id else Q(escalation_level__gt=0),
        "awaiting_reporter": mine & Q(status=FINISHED) & Exists(asked),
        "done": mine & Q(status__in=(FINISHED, IRRELEVANT)),
        "": mine & Q(status__in=OPEN_STATES),
    }


def inbox(agency_id, filters: InboxFilters, *, now=None, area=None):
    now = now or timezone.now()
    tabs = _tabs(agency_id, now)
    base = in_area(Complaint.objects.all(), area)
    counts = {tab: base.filter(tabs[tab]).count() for tab in TABS}
    qs = base.filter(tabs.get(filters.tab, tabs[""]))
    if filters.category:
        qs = qs.filter(categories__contains=[filters.category])
    if filters.subdistrict:
        qs = qs.filter(subdistrict_code=filters.subdistrict)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(created__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created__date__lte=filters.date_to)
    qs = qs.annotate(duplicate_count=Count("children"))
    if filters.has_duplicates:
        qs = qs.filter(duplicate_count__gt=0)
    q = filters.q.strip()
    if q:
        match = Q(client_ticket_id=q) | Q(description__icontains=q)
        if q.lstrip("#").isdigit():
            match |= Q(id=int(q.lstrip("#")))
        qs = qs.filter(match)
    overdue = Q(status__in=OPEN_STATES, due_at__lt=now)
    from django.db.models import BooleanField, ExpressionWrapper, F

    qs = qs.annotate(is_overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
    qs = qs.select_related("agency").order_by("-is_overdue", F("due_at").asc(nulls_last=True), "-id")
    total = qs.count()
    pages = max(1, math.ceil(total / filters.page_size))
    page = min(max(1, filters.page), pages)
    start = (page - 1) * filters.page_size
    return InboxPage(list(qs[start : start + filters.page_size]), counts, total, page, pages)
