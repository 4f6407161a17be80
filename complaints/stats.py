"""Executive statistics computed in PostgreSQL: counts, response and resolution times, backlog,
overdue and escalated complaints, reopen rate, trends and top categories, by any jurisdiction
level, agency, category or status.

backlog: open for longer than the category's target since filing. overdue: open past the deadline
it has now (first answer or resolution, complaints/deadlines.py). escalated: ever escalated.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from . import stat_reads, stat_trend
from .lifecycle import OPEN_STATES

GROUPS = {
    "province": "c.province_code",
    "district": "c.district_code",
    "subdistrict": "c.subdistrict_code",
    "local_government": "c.local_government_code",
    "agency": "a.code",
    "category": "c.categories->>0",
    "status": "c.status",
}
ADMIN_GROUPS = ("province", "district", "subdistrict")
INTERVALS = ("day", "week", "month")


@dataclass
class Scope:
    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None
    area: str | None = None  # any jurisdiction code prefix (province, district or subdistrict)
    agency: str | None = None

    def where(self) -> tuple[str, list]:
        clauses, args = ["TRUE"], []
        if self.since:
            clauses.append("c.created >= %s")
            args.append(self.since)
        if self.until:
            clauses.append("c.created < %s")
            args.append(self.until)
        if self.category:
            clauses.append("c.categories ? %s")
            args.append(self.category)
        if self.area:
            clauses.append("(c.subdistrict_code LIKE %s OR c.local_government_code = %s)")
            args += [self.area + "%", self.area]
        if self.agency:
            clauses.append("a.code = %s")
            args.append(self.agency)
        return " AND ".join(clauses), args


# Duplicates merged into another complaint (complaints/merging.py) are reports of a problem counted
# once: `complaints` counts every report, `problems` the complaints worked and `followers` the merged
# reports; the other figures are the problems' (a merged report copies its parent's moves).
PROBLEM = "c.parent_id IS NULL"


def _hours(column: str) -> str:
    return f"CASE WHEN {PROBLEM} THEN extract(epoch FROM ({column} - c.created)) / 3600.0 END"


def from_cells(source: str | None) -> bool:
    """Whether to read the aggregates: `source` "cells" or "scan" when a caller (a test, a
    benchmark) chooses; else once the complaints are many enough that counting them costs more
    than reading the cells (a small database is counted exactly, percentiles included)."""
    if source:
        return source == "cells"
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'complaints_complaint'::regclass")
        row = cursor.fetchone()
    return bool(row) and row[0] >= settings.GEO_STATS_CELLS_FROM


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def summary(group: str, scope: Scope, source: str | None = None) -> list[dict]:
    plan = stat_reads.plan(group, scope) if from_cells(source) else None
    if plan is not None:
        return stat_reads.summary(plan, local_zone())
    return scan_summary(group, scope)


def scan_summary(group: str, scope: Scope) -> list[dict]:
    key = GROUPS[group]
    where, args = scope.where()
    open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    sql = f"""
        SELECT {key} AS key, count(*) AS complaints,
               count(*) FILTER (WHERE {PROBLEM}) AS problems,
               count(*) FILTER (WHERE NOT {PROBLEM}) AS followers,
               count(*) FILTER (WHERE {PROBLEM} AND c.status IN ({open_states})) AS open,
               count(*) FILTER (WHERE {PROBLEM} AND c.status = 'finished') AS finished,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {_hours("c.first_response_at")}) AS response_h_median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {_hours("c.first_response_at")}) AS response_h_p90,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {_hours("c.resolved_at")}) AS resolution_h_median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {_hours("c.resolved_at")}) AS resolution_h_p90,
               count(*) FILTER (WHERE {PROBLEM} AND c.status IN ({open_states})
                                AND now() - c.created > make_interval(hours => coalesce(k.target_hours, 72)))
                 AS backlog,
               count(*) FILTER (WHERE {PROBLEM} AND c.status IN ({open_states}) AND c.due_at <= now()) AS overdue,
               count(*) FILTER (WHERE {PROBLEM} AND c.escalation_level > 0) AS escalated,
               avg(CASE WHEN {PROBLEM} THEN (c.reopen_count > 0)::int END) AS reopen_rate
        FROM complaints_complaint c
        LEFT JOIN routing_agency a ON a.id = c.agency_id
        LEFT JOIN routing_category k ON k.code = c.categories->>0
        WHERE {where}
        GROUP BY 1 ORDER BY complaints DESC, key
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        names = [col[0] for col in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    for row in rows:
        for name in ("response_h_median", "response_h_p90", "resolution_h_median", "resolution_h_p90"):
            row[name] = None if row[name] is None else round(float(row[name]), 2)
        row["reopen_rate"] = round(float(row["reopen_rate"] or 0), 4)
    return rows


def trend(interval: str, scope: Scope, source: str | None = None) -> list[dict]:
    """Complaints filed in each period, and resolved in it (both within the scope's period)."""
    plan = stat_trend.trend_plan(scope) if from_cells(source) else None
    if plan is not None:
        return stat_trend.trend(plan, interval, local_zone())
    where, args = scope.where()
    resolved_where, resolved_args = Scope(None, None, scope.category, scope.area, scope.agency).where()
    if scope.since:
        resolved_where += " AND c.resolved_at >= %s"
        resolved_args.append(scope.since)
    if scope.until:
        resolved_where += " AND c.resolved_at < %s"
        resolved_args.append(scope.until)
    sql = f"""
        WITH filed AS (
            SELECT date_trunc(%s, c.created AT TIME ZONE %s) AS bucket, count(*) AS filed FROM complaints_complaint c
            LEFT JOIN routing_agency a ON a.id = c.agency_id WHERE {where} GROUP BY 1),
        resolved AS (
            SELECT date_trunc(%s, c.resolved_at AT TIME ZONE %s) AS bucket, count(*) AS resolved
            FROM complaints_complaint c
            LEFT JOIN routing_agency a ON a.id = c.agency_id WHERE c.resolved_at IS NOT NULL AND {resolved_where}
            GROUP BY 1)
        SELECT coalesce(f.bucket, r.bucket) AS bucket, coalesce(filed, 0) AS filed, coalesce(resolved, 0) AS resolved
        FROM filed f FULL JOIN resolved r ON r.bucket = f.bucket ORDER BY 1
    """
    with connection.cursor() as cursor:
        zone = settings.TIME_ZONE  # days and weeks as the province lives them
        cursor.execute(sql, [interval, zone, *args, interval, zone, *resolved_args])
        return [{"period": b.isoformat(), "filed": f, "resolved": r} for b, f, r in cursor.fetchall()]


def top_categories(group: str, n: int, scope: Scope, source: str | None = None) -> list[dict]:
    plan = stat_reads.plan(group, scope, top=True) if from_cells(source) else None
    if plan is not None:
        return stat_reads.top_categories(plan, n, local_zone())
    key = GROUPS[group]
    where, args = scope.where()
    sql = f"""
        SELECT key, category, complaints FROM (
            SELECT {key} AS key, c.categories->>0 AS category, count(*) AS complaints,
                   row_number() OVER (PARTITION BY {key} ORDER BY count(*) DESC, c.categories->>0) AS rank
            FROM complaints_complaint c LEFT JOIN routing_agency a ON a.id = c.agency_id
            WHERE {where} GROUP BY 1, 2) ranked
        WHERE rank <= %s ORDER BY key, complaints DESC, category
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, n])
        out = {}
        for key_value, category, count in cursor.fetchall():
            out.setdefault(key_value, []).append({"category": category, "complaints": count})
    return [{"key": k, "top": v} for k, v in out.items()]
