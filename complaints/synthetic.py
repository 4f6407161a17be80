"""A large synthetic load shaped like the real complaints, for benchmarks: every row copies the
place, category and agency of a random real (Traffy) complaint, moved up to ~100 m, with a random
age, status and timings. Written by one INSERT ... SELECT in PostgreSQL; removable by source."""

from django.db import connection, transaction

SOURCE = "synthetic"

INSERT = """
WITH base AS MATERIALIZED (
    SELECT row_number() OVER (ORDER BY id) AS rn, c.* FROM complaints_complaint c WHERE c.source = 'traffy'
), picks AS (
    SELECT g, 1 + abs(hashint4(g)) %% (SELECT count(*) FROM base) AS rn,
           random() AS r_status, random() AS r_age, random() AS r_response, random() AS r_resolution
    FROM generate_series(%(start)s, %(stop)s) AS g
)
INSERT INTO complaints_complaint (
    source, client_ticket_id, request_fingerprint, location, categories, description, photo_url,
    reporter_name, reporter_contact, status, reopen_count, agency_id, decision, province_code, district_code,
    subdistrict_code, local_government_code, generation, created, updated, first_response_at, resolved_at)
SELECT 'synthetic', 'syn-' || p.g, '',
       ST_SetSRID(ST_MakePoint(ST_X(c.location) + (random() - 0.5) * 0.002,
                               ST_Y(c.location) + (random() - 0.5) * 0.002), 4326),
       c.categories, '', '', '', '',
       CASE WHEN p.r_status < 0.35 THEN 'waiting' WHEN p.r_status < 0.75 THEN 'in_progress'
            WHEN p.r_status < 0.97 THEN 'finished' ELSE 'irrelevant' END,
       (p.r_resolution < 0.05)::int, c.agency_id, '{}'::jsonb, c.province_code, c.district_code,
       c.subdistrict_code, c.local_government_code, c.generation,
       now() - p.r_age * interval '365 days', now(),
       CASE WHEN p.r_status >= 0.35 THEN now() - p.r_age * interval '365 days' + p.r_response * interval '72 hours' END,
       CASE WHEN p.r_status >= 0.75 AND p.r_status < 0.97
            THEN now() - p.r_age * interval '365 days' + interval '72 hours' + p.r_resolution * interval '30 days' END
FROM picks p JOIN base c ON c.rn = p.rn
"""


def generate(count: int, batch: int = 200_000) -> int:
    """Adds `count` synthetic complaints after those already there; returns how many exist."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM complaints_complaint WHERE source = 'traffy'")
        if cursor.fetchone()[0] == 0:
            raise ValueError("no real complaints to shape the load after: run `manage.py load_traffy_demo` first")
        cursor.execute("SELECT count(*) FROM complaints_complaint WHERE source = %s", [SOURCE])
        existing = cursor.fetchone()[0]
        for start in range(existing + 1, existing + count + 1, batch):
            stop = min(start + batch - 1, existing + count)
            with transaction.atomic():
                cursor.execute(INSERT, {"start": start, "stop": stop})
        cursor.execute("ANALYZE complaints_complaint")
        return existing + count


def remove() -> int:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaint WHERE source = %s", [SOURCE])
        return cursor.rowcount
