"""The trend read from the day table (complaints/stat_cells.py): filed and resolved per local day,
for the country or a province, by category, plus the deltas not folded yet and the parts of a day
at the period's ends counted from the complaints; in one snapshot as complaints/stat_reads.py."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from . import stat_cells, stat_windows
from .stat_reads import Plan, one_snapshot


def trend_plan(scope) -> Plan | None:
    """The day table holds the country and provinces, by category: no agency, no finer area."""
    if scope.agency or (scope.area and not (scope.area.isascii() and scope.area.isdigit() and len(scope.area) == 2)):
        return None
    return Plan("province", "D", scope.category, scope.area, None, scope.since, scope.until)


@one_snapshot
def trend(p: Plan, interval: str, zone: ZoneInfo) -> list[dict]:
    window = stat_windows.window(p.since, p.until, zone)
    counted: dict[tuple[str, int], int] = {}
    cat = p.category or "*"
    province = p.area or ""
    lo, hi = _whole_days(p, zone)
    deltas = f"SELECT {stat_cells.COLUMNS} FROM {stat_cells.DELTAS}"
    sql = f"""
        SELECT kind, day, sum(n) FROM (
            SELECT kind, day, n FROM {stat_cells.DAYS}
            WHERE cat = %s AND province = %s AND day >= %s AND day < %s
            UNION ALL
            SELECT k.kind, k.day, s.sign FROM ({deltas}) s {stat_cells.CATEGORIES}
            CROSS JOIN LATERAL (VALUES ('f'::"char", {stat_cells.day_sql("s.created")}),
                                       ('r'::"char", {stat_cells.day_sql("s.resolved_at")})) k(kind, day)
            WHERE v.cat = %s AND (%s = '' OR s.province_code = %s) AND k.day >= %s AND k.day < %s
        ) x GROUP BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [cat, province, lo, hi, cat, province, province, lo, hi])
        for kind, day, n in cursor.fetchall():
            counted[(kind, day)] = counted.get((kind, day), 0) + int(n)
        for start, end in window.edges:
            for kind, column in (("f", "created"), ("r", "resolved_at")):
                clauses, args = [f"c.{column} >= %s", f"c.{column} < %s"], [start, end]  # type: list[str], list
                if p.category:
                    clauses.append("c.categories ? %s")
                    args.append(p.category)
                if p.area:
                    clauses.append("c.province_code = %s")
                    args.append(p.area)
                cursor.execute(f"SELECT count(*) FROM complaints_complaint c WHERE {' AND '.join(clauses)}", args)
                day = stat_windows.day_number(start, zone)
                counted[(kind, day)] = counted.get((kind, day), 0) + cursor.fetchone()[0]
    periods: dict[datetime, dict[str, int]] = {}
    for (kind, day), n in counted.items():
        if not n:
            continue
        start = _period(day, interval)
        figures = periods.setdefault(start, {"filed": 0, "resolved": 0})
        figures["filed" if kind == "f" else "resolved"] += n
    return [
        {"period": start.isoformat(), "filed": f["filed"], "resolved": f["resolved"]}
        for start, f in sorted(periods.items())
        if f["filed"] or f["resolved"]
    ]


def _whole_days(p: Plan, zone: ZoneInfo) -> tuple[int, int]:
    lo = 0
    if p.since is not None:
        lo = stat_windows.day_number(p.since, zone)
        if p.since != stat_windows.midnight(lo, zone):
            lo += 1
    hi = stat_windows.END if p.until is None else stat_windows.day_number(p.until, zone)
    return lo, hi


def _period(day: int, interval: str) -> datetime:
    d = stat_windows.EPOCH + timedelta(days=day)
    if interval == "week":
        d -= timedelta(days=d.weekday())
    elif interval == "month":
        d = d.replace(day=1)
    return datetime(d.year, d.month, d.day)
