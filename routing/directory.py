"""Load the responsibility Directory from the database; reload when agencies, rules or categories
change, so an edited rule decides the next complaint without a restart."""

import threading
import time
from collections import defaultdict

from django.db import connection

from .models import Agency, Category, LocalCoverage, LocalGovernment, RoutingRule
from .responsibility import AgencyInfo, Directory, LocalUnitInfo, Rule

POLL_SECONDS = 1.0
CONTACT_FIELDS = ("email", "phone", "webhook_url", "open311_endpoint")


def version() -> tuple:
    """Changes whenever a row of the routing tables is added, deleted, saved, or switched on or off."""
    stamp = "count(*) || ':' || count(*) FILTER (WHERE active) || ':' || coalesce(max(updated)::text, '')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT {stamp} FROM routing_agency), (SELECT {stamp} FROM routing_routingrule),"
            f" (SELECT {stamp} FROM routing_category), (SELECT count(*) FROM routing_localgovernment),"
            " (SELECT count(*) FROM routing_localcoverage)"
        )
        return tuple(cursor.fetchone())


def load() -> Directory:
    stamp = version()
    categories = {c.code: (c.name_th, c.name_en) for c in Category.objects.filter(active=True)}
    rules = [
        Rule(r.id, r.category.code if r.category_id else None, r.area_code, tuple(r.chain), r.priority, r.note)
        for r in RoutingRule.objects.filter(active=True).select_related("category")
    ]
    agencies, by_kind = defaultdict(list), defaultdict(list)
    for a in Agency.objects.filter(active=True).order_by("code"):
        info = AgencyInfo(
            a.code,
            a.name_th,
            a.name_en,
            a.kind,
            a.jurisdiction_code,
            tuple(a.service_provinces),
            tuple(a.categories),
            tuple((f, getattr(a, f)) for f in CONTACT_FIELDS if getattr(a, f)),
        )
        agencies[(a.kind, a.jurisdiction_code)].append(info)
        by_kind[a.kind].append(info)
    units = {
        u.code: LocalUnitInfo(u.code, u.kind, u.name_th, u.name_en, (u.office.x, u.office.y) if u.office else None)
        for u in LocalGovernment.objects.all()
    }
    coverage = defaultdict(list)
    rows = LocalCoverage.objects.values_list("subdistrict_code", "local_government__code", "coverage").order_by(
        "subdistrict_code", "local_government__code"
    )
    for sub, code, how in rows:
        coverage[sub].append((code, how))
    return Directory(categories, rules, dict(agencies), dict(by_kind), units, dict(coverage), stamp)


class Holder:
    def __init__(self, poll_seconds=POLL_SECONDS):
        self.poll_seconds = poll_seconds
        self._directory = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def current(self) -> Directory:
        directory = self._directory
        now = time.monotonic()
        if directory is not None and now - self._checked < self.poll_seconds:
            return directory
        with self._lock:
            self._checked = now
            try:
                stamp = version()
            except Exception:  # the database is away: keep deciding from memory
                if self._directory is not None:
                    return self._directory
                raise
            if self._directory is None or self._directory.version != stamp:
                self._directory = load()
            return self._directory

    def reset(self):
        self._directory = None


holder = Holder()


def current() -> Directory:
    return holder.current()
