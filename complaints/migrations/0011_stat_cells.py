# Issue 24: statistics that do not scan (complaints/stat_cells.py, docs/statistics.md). Every change
# to what a complaint counts as is written, in the same transaction, as a delta row (-1 for what it
# counted as, +1 for what it counts as now) by statement-level triggers; the workers fold the deltas
# into the cells, and a reader adds the deltas not folded yet, so every read is exact. The cells
# start empty: `manage.py rebuild_stats` fills them from the complaints (the deltas of complaints
# filed meanwhile are folded after it).

from django.db import migrations

# What a complaint counts as: the columns the statistics read, as the delta table holds them.
COLUMNS = (
    "created, province_code, district_code, agency_id, categories, status, problem, escalated, reopened,"
    " dated, first_response_at, resolved_at"
)
OPEN = "('waiting', 'in_progress', 'forwarded', 'follow_up')"
# What the live count of backlog and overdue reads, so it reads the index alone.
LIVE = "status, province_code, district_code, agency_id, categories"


def counted_as(row: str) -> str:
    return (
        f"{row}.created, {row}.province_code, {row}.district_code, {row}.agency_id, {row}.categories,"
        f" {row}.status, {row}.parent_id IS NULL, {row}.escalation_level > 0, {row}.reopen_count > 0,"
        f" {row}.due_at IS NOT NULL, {row}.first_response_at, {row}.resolved_at"
    )


FORWARD = f"""
CREATE TABLE complaints_stat_delta (
    id bigserial PRIMARY KEY,
    sign smallint NOT NULL,
    created timestamptz NOT NULL,
    province_code varchar(2) NOT NULL,
    district_code varchar(4) NOT NULL,
    agency_id bigint,
    categories jsonb NOT NULL,
    status varchar(20) NOT NULL,
    problem boolean NOT NULL,
    escalated boolean NOT NULL,
    reopened boolean NOT NULL,
    dated boolean NOT NULL,
    first_response_at timestamptz,
    resolved_at timestamptz
);

CREATE TABLE complaints_stat_cell (
    cuboid "char" NOT NULL,
    cat text COLLATE "C" NOT NULL,
    level smallint NOT NULL,
    bucket integer NOT NULL,
    key text COLLATE "C" NOT NULL,
    province text COLLATE "C" NOT NULL,
    first boolean NOT NULL,
    n integer NOT NULL,
    waiting integer NOT NULL,
    in_progress integer NOT NULL,
    forwarded integer NOT NULL,
    follow_up integer NOT NULL,
    finished integer NOT NULL,
    irrelevant integer NOT NULL,
    escalated integer NOT NULL,
    reopened integer NOT NULL,
    dated integer NOT NULL,
    response integer[],
    resolution integer[],
    PRIMARY KEY (cuboid, level, bucket, cat, province, key, first)
);

-- Days and 8-day buckets (levels 0 and 1) are kept from this day on (a multiple of 64): older
-- ones only in buckets of 64 days and more (complaints/stat_windows.py).
CREATE TABLE complaints_stat_horizon (day integer NOT NULL);
INSERT INTO complaints_stat_horizon VALUES (0);

CREATE TABLE complaints_stat_day (
    kind "char" NOT NULL,
    cat text NOT NULL,
    province text NOT NULL,
    day integer NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (kind, cat, province, day)
);

-- Two histograms as arrays indexed by bucket, each holding only the buckets between its first and
-- last count: their sum, bucket by bucket.
CREATE FUNCTION complaints_stat_hist_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE (
        SELECT ('[' || lo || ':' || hi || ']=' || array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) ORDER BY i)::text)::integer[]
        FROM (SELECT least(array_lower(a, 1), array_lower(b, 1)) AS lo,
                     greatest(array_upper(a, 1), array_upper(b, 1)) AS hi) r,
             generate_series(r.lo, r.hi) i
        GROUP BY lo, hi) END
$$;

CREATE FUNCTION complaints_stat_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaints_stat_delta (sign, {COLUMNS})
    SELECT 1, {counted_as("n")} FROM new_rows n;
    RETURN NULL;
END $$;

CREATE FUNCTION complaints_stat_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaints_stat_delta (sign, {COLUMNS})
    SELECT -1, {counted_as("o")} FROM old_rows o;
    RETURN NULL;
END $$;

CREATE FUNCTION complaints_stat_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaints_stat_delta (sign, {COLUMNS})
    SELECT s.* FROM old_rows o JOIN new_rows n ON n.id = o.id
    CROSS JOIN LATERAL (VALUES (-1::smallint, {counted_as("o")}), (1::smallint, {counted_as("n")})) s
    WHERE ({counted_as("o")}) IS DISTINCT FROM ({counted_as("n")});
    RETURN NULL;
END $$;

CREATE TRIGGER complaints_stat_inserted AFTER INSERT ON complaints_complaint
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION complaints_stat_inserted();
CREATE TRIGGER complaints_stat_deleted AFTER DELETE ON complaints_complaint
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION complaints_stat_deleted();
CREATE TRIGGER complaints_stat_updated AFTER UPDATE ON complaints_complaint
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION complaints_stat_updated();

-- The open problems not yet in the backlog (filed within their category's target) and not yet
-- overdue (due later): the two figures that move with the clock, counted live from these.
CREATE INDEX complaint_open_created ON complaints_complaint (created) INCLUDE (due_at, {LIVE})
    WHERE parent_id IS NULL AND status IN {OPEN};
CREATE INDEX complaint_open_due ON complaints_complaint (due_at) INCLUDE (created, {LIVE})
    WHERE parent_id IS NULL AND status IN {OPEN} AND due_at IS NOT NULL;
"""

BACKWARD = """
DROP INDEX IF EXISTS complaint_open_due;
DROP INDEX IF EXISTS complaint_open_created;
DROP TRIGGER IF EXISTS complaints_stat_updated ON complaints_complaint;
DROP TRIGGER IF EXISTS complaints_stat_deleted ON complaints_complaint;
DROP TRIGGER IF EXISTS complaints_stat_inserted ON complaints_complaint;
DROP FUNCTION IF EXISTS complaints_stat_updated();
DROP FUNCTION IF EXISTS complaints_stat_deleted();
DROP FUNCTION IF EXISTS complaints_stat_inserted();
DROP FUNCTION IF EXISTS complaints_stat_hist_add(integer[], integer[]);
DROP TABLE IF EXISTS complaints_stat_day;
DROP TABLE IF EXISTS complaints_stat_horizon;
DROP TABLE IF EXISTS complaints_stat_cell;
DROP TABLE IF EXISTS complaints_stat_delta;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0010_tile_samples"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
