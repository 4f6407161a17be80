"""The statistics' aggregates: what each complaint counts as, summed into cells, and kept exact as
complaints change (migration 0011: triggers write deltas in the changing transaction; `fold` moves
them into the cells; a reader adds the ones not folded yet, complaints/stat_reads.py).

A cell is one cuboid's figures for one time bucket (complaints/stat_windows.py), one category
and one key:
- cuboid D: key the district (province and district figures, and categories);
- cuboid A: key the agency, with its complaints' province;
- cuboid S: key the status, with the province.
The category is '*' (every complaint once) or each category a complaint lists (a complaint with
two counts in both), `first` marking the one it is filed under (listed first), which is what a
summary by category counts. Figures: complaints; problems (not merged into another) by status;
escalated and reopened problems; open problems with a deadline; histograms of the problems'
response and resolution hours (complaints/stat_sketch.py).

The day table holds complaints filed (kind f) and resolved (kind r) per local day, per category
('*' or listed), for the country (province '') and per province: the trend.
"""

import time

from django.conf import settings
from django.db import connection, transaction

from . import stat_sketch, stat_windows

CELLS = "complaints_stat_cell"
DAYS = "complaints_stat_day"
DELTAS = "complaints_stat_delta"
HORIZON = "complaints_stat_horizon"
KEEP_FINE_DAYS = 64  # at least this many recent days keep their day and 8-day buckets
STATUSES = ("waiting", "in_progress", "forwarded", "follow_up", "finished", "irrelevant")
FOLD_LOCK = 2_024_011  # pg_advisory_xact_lock: one fold at a time
# Folding groups many rows by many keys: in memory (hashed), and not worth compiling.
TUNING = "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off"

# What a complaint counts as, from the complaints table (as the triggers write it to the deltas).
FROM_COMPLAINTS = """
    SELECT 1::smallint AS sign, c.created, c.province_code, c.district_code, c.agency_id, c.categories,
           c.status, c.parent_id IS NULL AS problem, c.escalation_level > 0 AS escalated,
           c.reopen_count > 0 AS reopened, c.due_at IS NOT NULL AS dated, c.first_response_at,
           c.resolved_at
    FROM complaints_complaint c
"""
COLUMNS = (
    "sign, created, province_code, district_code, agency_id, categories, status, problem, escalated,"
    " reopened, dated, first_response_at, resolved_at"
)


def zone() -> str:
    return settings.TIME_ZONE


def day_sql(column: str) -> str:
    return f"(({column} AT TIME ZONE '{zone()}')::date - date '{stat_windows.EPOCH.isoformat()}')"


def hours_sql(column: str) -> str:
    return f"extract(epoch FROM ({column} - s.created)) / 3600.0"


# A complaint once per category it lists ('' if none), and once as '*'.
CATEGORIES = """
    CROSS JOIN LATERAL (
        SELECT '*'::text AS cat, false AS first
        UNION ALL
        SELECT DISTINCT m.cat, m.cat = coalesce(s.categories ->> 0, '')
        FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(s.categories) = 'array'
                                             AND jsonb_array_length(s.categories) > 0
                                            THEN s.categories ELSE '[""]'::jsonb END) AS m(cat)
    ) v
"""


def expanded(
    source: str, levels: tuple[int, ...] = tuple(range(stat_windows.LEVELS)), cuboids: str = "DAS", horizon=True
) -> str:
    """Each source row as its contribution to one cell per cuboid, level and category: the key
    columns, the figures, and the histogram buckets (rb response, sb resolution). With `horizon`,
    days before the horizon have no day or 8-day cells."""
    levels_sql = ", ".join(str(level) for level in levels)
    cuboids_sql = ", ".join(f"('{c}'::\"char\")" for c in cuboids)
    kept = f"WHERE lv.level >= {stat_windows.FINE_LEVELS} OR s.day >= (SELECT day FROM {HORIZON})" if horizon else ""
    statuses = ", ".join(f"s.sign * (s.problem AND s.status = '{st}')::int AS {st}" for st in STATUSES)
    return f"""
        SELECT q.cuboid, v.cat COLLATE "C" AS cat, lv.level, floor(s.day / (8 ^ lv.level))::int AS bucket,
               (CASE q.cuboid WHEN 'D' THEN s.district_code::text WHEN 'A' THEN coalesce(s.agency_id, 0)::text
                     ELSE s.status::text END) COLLATE "C" AS key,
               (CASE q.cuboid WHEN 'D' THEN '' ELSE s.province_code::text END) COLLATE "C" AS province,
               v.first, s.sign AS n, {statuses},
               s.sign * (s.problem AND s.escalated)::int AS escalated,
               s.sign * (s.problem AND s.reopened)::int AS reopened,
               s.sign * (s.problem AND s.dated AND s.status IN ('waiting', 'in_progress', 'forwarded',
                         'follow_up'))::int AS dated,
               s.sign, s.rb, s.sb
        FROM (
            SELECT s.*, {day_sql("s.created")} AS day,
                   CASE WHEN s.problem THEN {stat_sketch.bucket_sql(hours_sql("s.first_response_at"))} END AS rb,
                   CASE WHEN s.problem THEN {stat_sketch.bucket_sql(hours_sql("s.resolved_at"))} END AS sb
            FROM ({source}) s
        ) s
        {CATEGORIES}
        CROSS JOIN (VALUES {cuboids_sql}) q(cuboid)
        CROSS JOIN unnest(ARRAY[{levels_sql}]) lv(level)
        {kept}
    """


KEY = "cuboid, cat, level, bucket, province, key, first"
FIGURES = ("n", *STATUSES, "escalated", "reopened", "dated")


def cells_sql(source: str, levels: tuple[int, ...] = tuple(range(stat_windows.LEVELS))) -> str:
    """INSERT the source rows' contributions into the cells, adding to cells already there."""
    sums = ", ".join(f"sum({f})::int AS {f}" for f in FIGURES)
    # Each histogram as array text with zeros between its counts: '[lo:hi]={c,0,0,c}'.
    hist = {
        name: f"""
            SELECT {KEY}, ('[' || min(b) || ':' || max(b) || ']={{'
                           || string_agg(repeat('0,', coalesce(b - prev - 1, 0)) || c, ',' ORDER BY b)
                           || '}}')::integer[] AS hist
            FROM (SELECT *, lag(b) OVER (PARTITION BY {KEY} ORDER BY b) AS prev FROM {name}_counts) t
            GROUP BY {KEY}
        """
        for name in ("response", "resolution")
    }
    updates = ", ".join(f"{f} = {CELLS}.{f} + excluded.{f}" for f in FIGURES)
    return f"""
        WITH e AS MATERIALIZED ({expanded(source, levels)}),
        response_counts AS (SELECT {KEY}, rb AS b, sum(sign)::int AS c FROM e WHERE rb IS NOT NULL
                            GROUP BY {KEY}, rb),
        resolution_counts AS (SELECT {KEY}, sb AS b, sum(sign)::int AS c FROM e WHERE sb IS NOT NULL
                              GROUP BY {KEY}, sb),
        figures AS (SELECT {KEY}, {sums} FROM e GROUP BY {KEY}),
        response AS ({hist["response"]}),
        resolution AS ({hist["resolution"]})
        INSERT INTO {CELLS} ({KEY}, {", ".join(FIGURES)}, response, resolution)
        SELECT {KEY}, {", ".join(FIGURES)}, response.hist, resolution.hist
        FROM figures LEFT JOIN response USING ({KEY}) LEFT JOIN resolution USING ({KEY})
        ON CONFLICT ({KEY}) DO UPDATE SET {updates},
            response = complaints_stat_hist_add({CELLS}.response, excluded.response),
            resolution = complaints_stat_hist_add({CELLS}.resolution, excluded.resolution)
    """


def days_sql(source: str) -> str:
    """INSERT the source rows' filings and resolutions per day into the day table."""
    return f"""
        WITH e AS (
            SELECT k.kind, v.cat, p.province, k.day, s.sign
            FROM ({source}) s
            {CATEGORIES}
            CROSS JOIN LATERAL (VALUES ('f'::"char", {day_sql("s.created")}),
                                       ('r'::"char", {day_sql("s.resolved_at")})) k(kind, day)
            CROSS JOIN LATERAL (VALUES ('', true), (s.province_code, false)) p(province, national)
            WHERE k.day IS NOT NULL AND (p.national OR s.province_code <> '')
        )
        INSERT INTO {DAYS} (kind, cat, province, day, n)
        SELECT kind, cat, province, day, sum(sign)::int FROM e GROUP BY kind, cat, province, day
        ON CONFLICT (kind, cat, province, day) DO UPDATE SET n = {DAYS}.n + excluded.n
    """


def fold(limit: int = 20_000) -> int:
    """Moves up to `limit` of the oldest deltas into the cells, in one transaction (readers see
    them either as deltas or in the cells, never both); the number moved."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TUNING)
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(
            f"CREATE TEMP TABLE stat_moved ON COMMIT DROP AS WITH moved AS ("
            f" DELETE FROM {DELTAS} WHERE id IN (SELECT id FROM {DELTAS} ORDER BY id LIMIT %s)"
            f" RETURNING {COLUMNS}) SELECT * FROM moved",
            [limit],
        )
        moved = cursor.rowcount
        if moved:
            source = f"SELECT {COLUMNS} FROM stat_moved"
            cursor.execute(cells_sql(source))
            cursor.execute(days_sql(source))
        return moved


def horizon_for(today: int) -> int:
    return max(0, (today - KEEP_FINE_DAYS) // stat_windows.COARSE * stat_windows.COARSE)


def advance_horizon(today: int) -> int:
    """Moves the horizon up to `today` less 64 to 127 days, dropping the day and 8-day cells
    before it, in one transaction (a reader sees the old horizon and its cells, or the new)."""
    target = horizon_for(today)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
        cursor.execute(f"SELECT day FROM {HORIZON}")
        if cursor.fetchone()[0] >= target:
            return 0
        cursor.execute(f"UPDATE {HORIZON} SET day = %s", [target])
        cursor.execute(
            f"DELETE FROM {CELLS} WHERE level < %s AND bucket < %s / (8 ^ level)::int",
            [stat_windows.FINE_LEVELS, target],
        )
        return cursor.rowcount


def fold_all(limit: int = 20_000, budget_s: float = 20.0) -> int:
    """Folds until no delta is left (or for about `budget_s`); the number moved."""
    started, moved = time.monotonic(), 0
    while time.monotonic() - started < budget_s:
        step = fold(limit)
        moved += step
        if step < limit:
            break
    return moved
