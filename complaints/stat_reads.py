"""The statistics read from the aggregates (complaints/stat_cells.py): one statement per request,
so one snapshot, adding the cells of the period's buckets, the deltas not folded yet and the
complaints filed in the parts of a day at the period's ends. Backlog and overdue move with the
clock: the open problems still inside their target or before their deadline are counted live
(few: through two partial indexes) and taken from the open ones.

Shapes the cells do not hold (a group or area finer than a district, an agency with another
group, a category filter with the summary by category) are `None` from `plan`: the caller
counts those from the complaints (complaints/stats.py).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from routing.models import Agency, LocalGovernment

from . import stat_cells, stat_sketch, stat_windows
from .lifecycle import OPEN_STATES

OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"
# By category the status cuboid is the smaller (a cell per province, not per district), unless the
# area is a district.
CUBOIDS = {"province": "D", "district": "D", "category": "S", "agency": "A", "status": "S"}
CELL_KEY = {  # the group's value in cell columns
    "province": "left(key, 2)",
    "district": "key",
    "category": "nullif(cat, '')",
    "agency": "key",
    "status": "key",
}
COMPLAINT_KEY = {  # the same from a complaint
    "province": "left(c.district_code, 2)",
    "district": "c.district_code",
    "category": "c.categories ->> 0",
    "agency": "coalesce(c.agency_id, 0)::text",
    "status": "c.status",
}


@dataclass(frozen=True)
class Plan:
    group: str
    cuboid: str
    category: str | None
    area: str | None
    agency_id: int | None
    since: datetime | None
    until: datetime | None


def plan(group: str, scope, top: bool = False) -> Plan | None:
    """The cells that answer `group` over `scope`, or None."""
    cuboid = CUBOIDS.get(group)
    if group == "category" and scope.area and len(scope.area) == 4:
        cuboid = "D"
    if cuboid is None or (scope.category and (group == "category" or top)):
        return None
    area = scope.area
    if area:
        if not (area.isascii() and area.isdigit() and len(area) in (2, 4)):
            return None
        if len(area) == 4 and cuboid != "D":
            return None
        if LocalGovernment.objects.filter(code=area).exists():
            return None  # the area filter also takes a local government's code
    agency_id = None
    if scope.agency:
        if cuboid != "A":
            return None
        agency_id = Agency.objects.filter(code=scope.agency).values_list("id", flat=True).first() or -1
    return Plan(group, cuboid, scope.category, area, agency_id, scope.since, scope.until)


def _cell_filter(p: Plan, top: bool) -> tuple[str, list]:
    clauses, args = ["cuboid = %s"], [p.cuboid]  # type: list[str], list[object]
    if p.category:
        clauses.append("cat = %s")
        args.append(p.category)
    elif p.group == "category" or top:
        clauses.append("cat <> '*' AND first")
    else:
        clauses.append("cat = '*'")
    if p.area and p.cuboid == "D":
        clauses.append("left(key, %s) = %s")
        args += [len(p.area), p.area]
    elif p.area:
        clauses.append("province = %s")
        args.append(p.area)
    if p.agency_id is not None:
        clauses.append("key = %s")
        args.append(str(p.agency_id))
    return " AND ".join(clauses), args


def _complaint_filter(p: Plan) -> tuple[str, list]:
    clauses, args = ["TRUE"], []  # type: list[str], list[object]
    if p.since:
        clauses.append("c.created >= %s")
        args.append(p.since)
    if p.until:
        clauses.append("c.created < %s")
        args.append(p.until)
    if p.category:
        clauses.append("c.categories ? %s")
        args.append(p.category)
    if p.area and p.cuboid == "D":
        clauses.append("left(c.district_code, %s) = %s")
        args += [len(p.area), p.area]
    elif p.area:
        clauses.append("c.province_code = %s")
        args.append(p.area)
    if p.agency_id is not None:
        clauses.append("c.agency_id = %s")
        args.append(p.agency_id)
    return " AND ".join(clauses), args


def _hist_literal(column: str, sign: str = "sign") -> str:
    single = f"('[' || {column} || ':' || {column} || ']={{' || {sign} || '}}')::integer[]"
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE {single} END"


def _parts(p: Plan, zone: ZoneInfo, top: bool) -> tuple[str, list]:
    """Rows in cell form for the plan's period: cells, deltas not folded, the edges' complaints."""
    window = stat_windows.window(p.since, p.until, zone, _horizon())
    where, args = _cell_filter(p, top)
    figures = ", ".join(stat_cells.FIGURES)
    parts, params = [], []
    if window.buckets:
        levels = tuple(sorted({level for level, _ in window.buckets}))
        pairs = ", ".join(f"({level}, {bucket})" for level, bucket in window.buckets)
        parts.append(
            f"SELECT key, cat, {figures}, response, resolution FROM {stat_cells.CELLS}"
            f" WHERE {where} AND (level, bucket) IN ({pairs})"
        )
        params += args
        deltas = stat_cells.expanded(f"SELECT {stat_cells.COLUMNS} FROM {stat_cells.DELTAS}", levels, p.cuboid)
        parts.append(
            f"SELECT key, cat, {figures}, {_hist_literal('rb')}, {_hist_literal('sb')} FROM ({deltas}) e"
            f" WHERE {where} AND (level, bucket) IN ({pairs})"
        )
        params += args
    for start, end in window.edges:
        edge, edge_args = _edge(p, top, start, end)
        parts.append(edge)
        params += edge_args
    return " UNION ALL ".join(parts), params


def _edge(p: Plan, top: bool, start: datetime, end: datetime) -> tuple[str, list]:
    """The complaints filed in [start, end) in cell form, counted directly: one row each."""
    problem = "c.parent_id IS NULL"
    clauses: list[str]
    args: list
    if p.category:
        cat, clauses, args = "%s::text", ["c.categories ? %s"], [p.category, p.category]
    elif p.group == "category" or top:
        cat, clauses, args = "coalesce(c.categories ->> 0, '')", [], []
    else:
        cat, clauses, args = "'*'::text", [], []
    clauses += ["c.created >= %s", "c.created < %s"]
    args += [start, end]
    if p.area and p.cuboid == "D":
        clauses.append("left(c.district_code, %s) = %s")
        args += [len(p.area), p.area]
    elif p.area:
        clauses.append("c.province_code = %s")
        args.append(p.area)
    if p.agency_id is not None:
        clauses.append("c.agency_id = %s")
        args.append(p.agency_id)
    key = {"D": "c.district_code", "A": "coalesce(c.agency_id, 0)::text", "S": "c.status"}[p.cuboid]
    statuses = ", ".join(f"({problem} AND c.status = '{st}')::int AS {st}" for st in stat_cells.STATUSES)
    hours = {}
    for name, column in (("rb", "first_response_at"), ("sb", "resolved_at")):
        bucket = stat_sketch.bucket_sql(f"extract(epoch FROM (c.{column} - c.created)) / 3600.0")
        hours[name] = f"CASE WHEN {problem} THEN {bucket} END"
    hist = {
        name: f"""
            SELECT key, cat, ('[' || min(b) || ':' || max(b) || ']={{'
                              || string_agg(repeat('0,', coalesce(b - prev - 1, 0)) || c, ',' ORDER BY b)
                              || '}}')::integer[] AS hist
            FROM (SELECT key, cat, b, c, lag(b) OVER (PARTITION BY key, cat ORDER BY b) AS prev
                  FROM (SELECT key, cat, {name} AS b, count(*) AS c FROM e WHERE {name} IS NOT NULL
                        GROUP BY 1, 2, 3) counted) t
            GROUP BY key, cat
        """
        for name in ("rb", "sb")
    }
    sums = ", ".join(f"sum({f})::int AS {f}" for f in stat_cells.FIGURES)
    zeros = ", ".join("0" for _ in stat_cells.FIGURES)
    sql = f"""
        SELECT key, cat, {", ".join(stat_cells.FIGURES)}, response, resolution FROM (
            WITH e AS MATERIALIZED (
                SELECT {key}::text AS key, {cat} AS cat, 1 AS n, {statuses},
                       ({problem} AND c.escalation_level > 0)::int AS escalated,
                       ({problem} AND c.reopen_count > 0)::int AS reopened,
                       ({problem} AND c.due_at IS NOT NULL AND c.status IN {OPEN})::int AS dated,
                       {hours["rb"]} AS rb, {hours["sb"]} AS sb
                FROM complaints_complaint c WHERE {" AND ".join(clauses)})
            SELECT key, cat, {sums}, NULL::integer[] AS response, NULL::integer[] AS resolution
            FROM e GROUP BY key, cat
            UNION ALL SELECT key, cat, {zeros}, hist, NULL FROM ({hist["rb"]}) r
            UNION ALL SELECT key, cat, {zeros}, NULL, hist FROM ({hist["sb"]}) s
        ) edge
    """
    return sql, args


def _sums(column: str) -> str:
    """The histograms' sum as text ('c,c,...', 0 for none): parsed in one call, not as an array
    of Python integers (thousands of rows of 136 buckets)."""
    sums = ", ".join(f"sum({column}[{b}])" for b in range(stat_sketch.BUCKETS))
    return f"array_to_string(ARRAY[{sums}], ',', '0')"


def _horizon() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT day FROM {stat_cells.HORIZON}")
        return cursor.fetchone()[0]


def one_snapshot(read):
    """`read` in one snapshot: the horizon it plans with and the cells it reads agree (the horizon
    job drops the day cells before the new horizon in the transaction that moves it)."""

    def wrapped(*args, **kwargs):
        if connection.in_atomic_block:
            return read(*args, **kwargs)  # the caller's transaction decides
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return read(*args, **kwargs)

    return wrapped


@one_snapshot
def summary(p: Plan, zone: ZoneInfo) -> list[dict]:
    union, params = _parts(p, zone, top=False)
    if not union:
        return []
    figures = ", ".join(f"sum({f}) AS {f}" for f in stat_cells.FIGURES)
    where, args = _complaint_filter(p)
    sql = f"""
        WITH x AS ({union}),
        figures AS (
            SELECT {CELL_KEY[p.group]} AS key, {figures}, {_sums("response")} AS response,
                   {_sums("resolution")} AS resolution
            FROM x GROUP BY 1 HAVING sum(n) <> 0),
        live AS (
            SELECT key, sum(within_target) AS within_target, sum(before_deadline) AS before_deadline FROM (
                SELECT {COMPLAINT_KEY[p.group]} AS key, 0 AS before_deadline,
                       (c.created >= now() - make_interval(hours => coalesce(k.target_hours, 72)))::int
                         AS within_target
                FROM complaints_complaint c LEFT JOIN routing_category k ON k.code = c.categories ->> 0
                WHERE c.parent_id IS NULL AND c.status IN {OPEN} AND {where}
                  AND c.created >= now() - make_interval(hours => (SELECT coalesce(max(target_hours), 72)
                                                                   FROM routing_category))
                UNION ALL
                SELECT {COMPLAINT_KEY[p.group]}, 1, 0 FROM complaints_complaint c
                WHERE c.parent_id IS NULL AND c.status IN {OPEN} AND c.due_at IS NOT NULL AND c.due_at > now()
                  AND {where}
            ) u
            GROUP BY 1)
        SELECT {"a.code" if p.group == "agency" else "f.key"}, f.n, f.waiting, f.in_progress, f.forwarded,
               f.follow_up, f.finished, f.irrelevant, f.escalated, f.reopened, f.dated, f.response, f.resolution,
               coalesce(l.within_target, 0), coalesce(l.before_deadline, 0)
        FROM figures f LEFT JOIN live l ON coalesce(l.key, '') = coalesce(f.key, '')
        {"LEFT JOIN routing_agency a ON a.id = nullif(f.key, '0')::bigint" if p.group == "agency" else ""}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params + args + args)
        fetched = cursor.fetchall()
    estimates = {
        name: {q: stat_sketch.percentiles(counts, q) for q in (0.5, 0.9)}
        for name, counts in (
            ("response", stat_sketch.parse([r[11] for r in fetched])),
            ("resolution", stat_sketch.parse([r[12] for r in fetched])),
        )
    }
    rows = []
    for i, (key, n, *rest) in enumerate(fetched):
        statuses = dict(zip(stat_cells.STATUSES, rest[:6]))
        escalated, reopened, dated, _, _, within_target, before_deadline = rest[6:]
        problems = sum(statuses.values())
        open_ = sum(statuses[s] for s in OPEN_STATES)
        row = {
            "key": key,
            "complaints": n,
            "problems": problems,
            "followers": n - problems,
            "open": open_,
            "finished": statuses["finished"],
        }
        for name in ("response", "resolution"):
            for label, q in (("median", 0.5), ("p90", 0.9)):
                value = estimates[name][q][i]
                row[f"{name}_h_{label}"] = None if value is None else round(value, 2)
        row.update(
            backlog=open_ - within_target,
            overdue=dated - before_deadline,
            escalated=escalated,
            reopen_rate=round(reopened / problems, 4) if problems else 0.0,
        )
        rows.append(row)
    rows.sort(key=lambda r: (-r["complaints"], r["key"] is None, r["key"] or ""))
    return rows


def _agency_codes(rows: list[dict]) -> None:
    ids = {int(r["key"]) for r in rows if r["key"] not in (None, "0")}
    codes = dict(Agency.objects.filter(id__in=ids).values_list("id", "code"))
    for row in rows:
        row["key"] = codes.get(int(row["key"])) if row["key"] not in (None, "0") else None


@one_snapshot
def top_categories(p: Plan, n: int, zone: ZoneInfo) -> list[dict]:
    union, params = _parts(p, zone, top=True)
    if not union:
        return []
    sql = f"""
        SELECT {CELL_KEY[p.group]} AS key, nullif(cat, '') AS category, sum(n) AS complaints
        FROM ({union}) x GROUP BY 1, 2 HAVING sum(n) <> 0
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = [{"key": k, "category": c, "complaints": int(m)} for k, c, m in cursor.fetchall()]
    if p.group == "agency":
        _agency_codes(fetched)
    out: dict = {}
    for row in sorted(fetched, key=lambda r: (r["key"] is None, r["key"] or "", -r["complaints"], r["category"] or "")):
        ranked = out.setdefault(row["key"], [])
        if len(ranked) < n:
            ranked.append({"category": row["category"], "complaints": row["complaints"]})
    return [{"key": k, "top": v} for k, v in out.items()]
