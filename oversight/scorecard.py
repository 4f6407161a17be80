"""The executives' scorecard in plain Python: for a province or district and a period, every agency
side by side, the weekly trend, and the overdue work as map points.

What the figures mean (docs/oversight.md): a complaint counts once as a problem (merged duplicates
are not counted again, as in complaints/stats.py). `received`: problems filed in the period;
`done`: of those, finished now; medians in hours from filing to the first response and to done;
`overdue_share`: of the agency's work open now (filed in any period) the share past its deadline;
`reopen_rate`: of the problems received, the share reopened at least once; `rating_mean`: the
reporters' mean rating, published from GEO_RATING_MIN_COUNT ratings on (complaints/ratings.py).

The agencies' figures are one aggregate query over the area's complaints (province and district
codes are indexed columns) and one for ratings: no query per agency.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from complaints import ratings
from complaints.lifecycle import OPEN_STATES
from complaints.stats import Scope

from .areas import Area

OPEN = ", ".join(f"'{s}'" for s in OPEN_STATES)
PROBLEM = "c.parent_id IS NULL"
IN_PERIOD = "(c.created >= %(since)s AND c.created < %(until)s)"


@dataclass(frozen=True)
class Period:
    since: date  # first day
    until: date  # first day after

    @property
    def last_day(self) -> date:
        return self.until - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    def bounds(self) -> tuple[datetime, datetime]:
        """Midnights as the province lives them."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return datetime.combine(self.since, time(), zone), datetime.combine(self.until, time(), zone)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return cls(start, end)

    @classmethod
    def recent_weeks(cls, weeks: int = 12, today: date | None = None) -> "Period":
        """The last `weeks` ISO weeks, this one included (Monday to the coming Monday)."""
        today = today or timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        return cls(monday - timedelta(weeks=weeks - 1), monday + timedelta(weeks=1))


AGENCIES = f"""
    SELECT a.code, a.name_th, a.name_en, f.received, f.done, f.response_h, f.done_h, f.open_now,
           f.overdue_now, f.reopened
    FROM (
        SELECT c.agency_id,
               count(*) FILTER (WHERE {IN_PERIOD}) AS received,
               count(*) FILTER (WHERE {IN_PERIOD} AND c.status = 'finished') AS done,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN {IN_PERIOD}
                   THEN extract(epoch FROM (c.first_response_at - c.created)) / 3600.0 END) AS response_h,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN {IN_PERIOD} AND c.status = 'finished'
                   THEN extract(epoch FROM (c.resolved_at - c.created)) / 3600.0 END) AS done_h,
               count(*) FILTER (WHERE c.status IN ({OPEN})) AS open_now,
               count(*) FILTER (WHERE c.status IN ({OPEN}) AND c.due_at <= %(now)s) AS overdue_now,
               count(*) FILTER (WHERE {IN_PERIOD} AND c.reopen_count > 0) AS reopened
        FROM complaints_complaint c
        WHERE c.{{column}} = %(area)s AND {PROBLEM} AND ({IN_PERIOD} OR c.status IN ({OPEN}))
        -- grouped by the agency's id (an integer sort), named afterwards: sorting the rows by
        -- Thai names would cost more than the figures themselves
        GROUP BY c.agency_id
    ) f LEFT JOIN routing_agency a ON a.id = f.agency_id
"""


def agencies(area: Area, period: Period, now: datetime | None = None) -> list[dict]:
    """One row per agency holding complaints of the area (agency None: waiting for an operator),
    most received first."""
    since, until = period.bounds()
    args: dict[str, Any] = {"area": area.code, "since": since, "until": until, "now": now or timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(AGENCIES.format(column=area.column), args)
        names = [col[0] for col in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    rated = ratings.by_agency(Scope(since=since, until=until, area=area.code))
    for row in rows:
        for name in ("response_h", "done_h"):
            row[name] = None if row[name] is None else round(float(row[name]), 1)
        row["overdue_share"] = round(row["overdue_now"] / row["open_now"], 4) if row["open_now"] else None
        row["reopen_rate"] = round(row["reopened"] / row["received"], 4) if row["received"] else None
        rating = rated.get(row["code"], ratings.EMPTY)
        row["rating_count"], row["rating_mean"] = rating["rating_count"], rating["rating_mean"]
    return sort(rows, "-received")


SORTS = {
    "name": lambda r: (r["name_th"] or "", r["code"] or ""),
    "received": lambda r: r["received"],
    "done": lambda r: r["done"],
    "response": lambda r: r["response_h"],
    "resolution": lambda r: r["done_h"],
    "overdue": lambda r: r["overdue_share"],
    "reopen": lambda r: r["reopen_rate"],
    "rating": lambda r: r["rating_mean"],
}


def sort(rows: list[dict], key: str) -> list[dict]:
    """`key` one of SORTS, '-' first for descending; rows without the figure always last, ties by
    agency code."""
    descending = key.startswith("-")
    pick = SORTS.get(key.lstrip("-"), SORTS["received"])
    known = [r for r in rows if pick(r) is not None]
    unknown = [r for r in rows if pick(r) is None]
    known.sort(key=lambda r: r["code"] or "")
    known.sort(key=pick, reverse=descending)
    return known + sorted(unknown, key=lambda r: r["code"] or "")


def totals(rows: list[dict]) -> dict:
    """The area's line under the table (medians are not additive: left out)."""
    out = {k: sum(r[k] for r in rows) for k in ("received", "done", "open_now", "overdue_now", "reopened")}
    out["overdue_share"] = round(out["overdue_now"] / out["open_now"], 4) if out["open_now"] else None
    out["reopen_rate"] = round(out["reopened"] / out["received"], 4) if out["received"] else None
    return out


TREND = f"""
    SELECT week, sum(received)::int, sum(done)::int FROM (
        SELECT date_trunc('week', c.created AT TIME ZONE %(zone)s)::date AS week, 1 AS received, 0 AS done
        FROM complaints_complaint c
        WHERE c.{{column}} = %(area)s AND {PROBLEM} AND {IN_PERIOD}
        UNION ALL
        SELECT date_trunc('week', c.resolved_at AT TIME ZONE %(zone)s)::date, 0, 1
        FROM complaints_complaint c
        WHERE c.{{column}} = %(area)s AND {PROBLEM} AND c.status = 'finished'
          AND c.resolved_at >= %(since)s AND c.resolved_at < %(until)s
    ) moves GROUP BY week ORDER BY week
"""


def trend(area: Area, period: Period) -> list[dict]:
    """Per ISO week of the period (weeks without any move included): problems received that week
    and problems finished that week."""
    since, until = period.bounds()
    args: dict[str, Any] = {"area": area.code, "since": since, "until": until, "zone": settings.TIME_ZONE}
    with connection.cursor() as cursor:
        cursor.execute(TREND.format(column=area.column), args)
        found = {week: (received, done) for week, received, done in cursor.fetchall()}
    out = []
    week = period.since - timedelta(days=period.since.weekday())
    while week < period.until:
        received, done = found.get(week, (0, 0))
        year, number, _ = week.isocalendar()
        out.append({"week": f"{year}-W{number:02d}", "monday": week, "received": received, "done": done})
        week += timedelta(weeks=1)
    return out


OVERDUE = f"""
    SELECT c.id, ST_X(c.location), ST_Y(c.location), a.code, c.status, c.categories->>0, c.due_at,
           c.escalation_level
    FROM complaints_complaint c LEFT JOIN routing_agency a ON a.id = c.agency_id
    WHERE c.{{column}} = %(area)s AND {PROBLEM} AND c.status IN ({OPEN}) AND c.due_at <= %(now)s
    ORDER BY c.due_at LIMIT %(limit)s
"""


def overdue_points(area: Area, now: datetime | None = None, limit: int = 5000) -> dict:
    """The area's overdue work now (any filing date) as GeoJSON points, the longest overdue first:
    number, agency, status, category and deadline; nothing about the reporter or their words."""
    args: dict[str, Any] = {"area": area.code, "now": now or timezone.now(), "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(OVERDUE.format(column=area.column), args)
        rows = cursor.fetchall()
    features = [
        {
            "type": "Feature",
            "id": number,
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {
                "id": number,
                "agency": agency,
                "status": status,
                "category": category,
                "due_at": due.isoformat(),
                "escalation_level": level,
            },
        }
        for number, lon, lat, agency, status, category, due, level in rows
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) == limit}
