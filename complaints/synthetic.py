"""A large synthetic load shaped like a whole country's complaints over years, for benchmarks.

Where: the real Traffy tickets give Bangkok's subdistricts their weights (BANGKOK_SHARE of all);
elsewhere a subdistrict weighs by the strongest local government covering it (a city municipality
far more than an SAO's farmland). Some tens of thousands of template points are drawn inside
subdistricts by those weights, each with categories drawn in the real tickets' proportions, and
routed through the engine (agency, codes, deadlines, who an escalation goes to); every row copies
a template, moved up to ~110 m. The routing decision is left empty ({}): a real one is about
1.4 KB (stored inline, uncompressed), 14 GB more at 10,000,000 complaints, and slower scans.
When: from START_YEAR to now, each year YEARLY_GROWTH times the one before, fewer on weekends,
by hour of day. What became of it: complaints.synthetic_sql.

Written by one INSERT ... SELECT per batch (and one for their history entries) in PostgreSQL,
deterministic for a given `seed`; removable by source.
"""

import json
import math
import random
import time
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import deadlines, intake
from .synthetic_sql import HISTORY, INSERT, SECONDARY_INDEXES

SOURCE = "synthetic"
START_YEAR = 2021
YEARLY_GROWTH = 1.35
BANGKOK_SHARE = 0.20
FOLLOWER_EVERY = 33  # every 33rd report is merged into the one before it (3 %)
JITTER_DEGREES = 0.002
# A subdistrict outside Bangkok weighs by the strongest local government covering it.
KIND_WEIGHT = {"special_city": 8.0, "city_municipality": 8.0, "town_municipality": 4.0, "subdistrict_municipality": 2.0}
OTHER_WEIGHT = 1.0
# Filings by hour of day, Bangkok time (few at night, most in the morning).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 8, 9, 9, 8, 7, 6, 5, 5, 4, 3, 2, 1]


def _hours_table() -> list[int]:
    return [hour for hour, weight in enumerate(HOUR_WEIGHTS) for _ in range(weight)]


def _traffy_shape(cursor) -> tuple[list, dict]:
    """The real tickets' category lists with their counts, and their count per subdistrict."""
    cursor.execute(
        "SELECT categories::text, count(*) FROM complaints_complaint WHERE source = 'traffy' GROUP BY 1 ORDER BY 1"
    )
    categories = cursor.fetchall()
    if not categories:
        raise ValueError("no real complaints to shape the load after: run `manage.py load_traffy_demo` first")
    cursor.execute("SELECT subdistrict_code, count(*) FROM complaints_complaint WHERE source = 'traffy' GROUP BY 1")
    return categories, dict(cursor.fetchall())


def _subdistricts(cursor, traffy: dict) -> list[tuple]:
    """(code, weight, bounding box, a point inside) for every active subdistrict."""
    from django.contrib.gis.db.models.functions import Envelope, PointOnSurface

    from boundaries.models import Boundary

    cursor.execute(
        """
        SELECT DISTINCT ON (lc.subdistrict_code) lc.subdistrict_code, lg.kind FROM routing_localcoverage lc
        JOIN routing_localgovernment lg ON lg.id = lc.local_government_id
        ORDER BY lc.subdistrict_code, array_position(%s::text[], lg.kind::text) NULLS LAST, lg.kind
        """,
        [list(KIND_WEIGHT)],
    )
    strongest = dict(cursor.fetchall())
    shapes = (
        Boundary.objects.active()
        .filter(level="subdistrict")
        .annotate(box=Envelope("geom"), inside=PointOnSurface("geom"))
        .order_by("code")
        .values_list("code", "box", "inside")
    )
    rows = [(code, *box.extent, inside.x, inside.y, strongest.get(code)) for code, box, inside in shapes]
    bangkok = [r for r in rows if r[0].startswith("10")]
    elsewhere = [r for r in rows if not r[0].startswith("10")]
    bkk_total = sum(traffy.get(r[0], 0) + 1 for r in bangkok) or 1
    other_total = sum(KIND_WEIGHT.get(r[7], OTHER_WEIGHT) for r in elsewhere) or 1
    weighted = [(r[0], BANGKOK_SHARE * (traffy.get(r[0], 0) + 1) / bkk_total, r[1:5], r[5:7]) for r in bangkok]
    weighted += [
        (r[0], (1 - BANGKOK_SHARE) * KIND_WEIGHT.get(r[7], OTHER_WEIGHT) / other_total, r[1:5], r[5:7])
        for r in elsewhere
    ]
    return weighted


def _point_in(rng: random.Random, matcher, code: str, box: tuple, inside: tuple) -> tuple[float, float]:
    """A random point of the subdistrict (by the matcher), or its point on surface."""
    west, south, east, north = box
    for _ in range(30):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        found = matcher.lookup(lon, lat).jurisdictions.get("subdistrict")
        if found is not None and found.code == code:
            return lon, lat
    return inside


def _templates(cursor, rng: random.Random, n: int) -> list[tuple]:
    """n routed template rows (see TEMPLATE_COLUMNS)."""
    from routing import live
    from routing.models import Agency, Category
    from routing.rules.escalation import next_level

    categories, traffy = _traffy_shape(cursor)
    places = _subdistricts(cursor, traffy)
    matcher, directory = live.matcher.current(), live.directory.current()
    agencies = {a.code: a for a in Agency.objects.all()}
    intake._for(directory)["agencies"].update(agencies)  # read at once, not one query per agency
    hours = dict(Category.objects.values_list("code", "target_hours"))
    names = dict(Category.objects.values_list("code", "name_th"))
    policy = deadlines.Policy.from_settings()
    picked = rng.choices(places, weights=[p[1] for p in places], k=n)
    kinds = rng.choices([c for c, _ in categories], weights=[w for _, w in categories], k=n)
    out: list[tuple] = []
    for (code, _, box, inside), cats in zip(picked, kinds, strict=True):
        lon, lat = _point_in(rng, matcher, code, box, inside)
        cats = tuple(json.loads(cats)) or ("other",)
        try:
            routed = intake.route(matcher, directory, lon, lat, cats)
        except (intake.ComplaintError, ValueError):
            continue
        agency = routed["agency"]
        targets = deadlines.targets(hours.get(cats[0]), agency.kind if agency else None, policy)
        above = None
        if agency is not None:
            codes = (routed["province_code"], routed["district_code"], routed["subdistrict_code"])
            found = next_level(directory, category=cats[0], codes=codes, kind=agency.kind, passed={agency.code})
            above = agencies.get(found.code) if found else None
        out.append(
            (
                len(out) + 1,
                lon,
                lat,
                json.dumps(list(cats)),
                agency.id if agency else None,
                above.id if above else None,
                routed["province_code"],
                routed["district_code"],
                routed["subdistrict_code"],
                routed["local_government_code"],
                routed["generation"],
                targets.response.total_seconds() / 3600,
                targets.resolution.total_seconds() / 3600,
                "เรื่อง" + names.get(cats[0], "อื่นๆ"),
            )
        )
    return out


TEMPLATE_TABLE = """
CREATE TEMP TABLE synthetic_template (
    rn int PRIMARY KEY, lon float8, lat float8, categories jsonb, agency_id bigint, above_id bigint,
    province_code text, district_code text, subdistrict_code text, local_government_code text,
    generation int, response_h float8, resolution_h float8, phrase text)
"""


def generate(
    count: int,
    *,
    batch: int = 250_000,
    seed: int = 1,
    history: bool = True,
    templates: int = 40_000,
    rebuild_indexes: bool = False,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Adds `count` synthetic complaints (and their history); returns how many synthetic ones exist.

    rebuild_indexes: drop the complaints' and history's secondary indexes during the fill and
    build them again at the end (for millions of rows on a database nobody else uses meanwhile)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    say = progress or (lambda line: None)
    with connection.cursor() as cursor:
        rows = _templates(cursor, rng, min(templates, max(count, 1)))
        cursor.execute("DROP TABLE IF EXISTS synthetic_template")
        cursor.execute(TEMPLATE_TABLE)
        cursor.executemany(
            "INSERT INTO synthetic_template VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
        )
        cursor.execute("ANALYZE synthetic_template")
        say(f"{len(rows):,} template places routed ({time.perf_counter() - started:.0f} s)")
        cursor.execute("SELECT coalesce(max(id), 0) FROM complaints_complaint")
        base = cursor.fetchone()[0]
        args = _arguments(base, seed, len(rows))
        dropped = []
        if rebuild_indexes:
            cursor.execute(SECONDARY_INDEXES)
            dropped = cursor.fetchall()
            cursor.execute("DROP INDEX " + ", ".join(name for name, _ in dropped))
        try:
            for start in range(1, count + 1, batch):
                stop = min(start + batch - 1, count)
                with transaction.atomic():
                    cursor.execute("SET LOCAL jit = off")  # compiling the draws costs more than it saves
                    cursor.execute(INSERT, {**args, "start": start, "stop": stop})
                    if history:
                        cursor.execute(HISTORY, {"low": base + start, "high": base + stop})
                say(f"{stop:,} of {count:,} complaints ({time.perf_counter() - started:.0f} s)")
        finally:
            if dropped:
                cursor.execute("SET maintenance_work_mem = '256MB'")
            for name, definition in dropped:
                cursor.execute(definition)
                say(f"index {name} built ({time.perf_counter() - started:.0f} s)")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), max(id)) FROM complaints_complaint"
        )
        cursor.execute("DROP TABLE synthetic_template")
        cursor.execute("ANALYZE complaints_complaint")
        if history:
            cursor.execute("ANALYZE complaints_historyentry")
        cursor.execute("SELECT count(*) FROM complaints_complaint WHERE source = %s", [SOURCE])
        return cursor.fetchone()[0]


def _arguments(base: int, seed: int, templates: int) -> dict:
    now = timezone.now()
    first = date(START_YEAR, 1, 1)
    today = timezone.localdate(now)
    days = (today - first).days + 1
    # Yearly growth as a continuous rate over the whole span: density ∝ exp(k t), t in [0, 1).
    k = math.log(YEARLY_GROWTH) * days / 365.25
    return {
        "base": base,
        "salt": (seed * 7919) % 1_000_003,
        "templates": templates,
        "first_day": first,
        "days": days,
        "today": today,
        "growth": k,
        "growth_span": math.expm1(k),
        "hours": _hours_table(),
        "zone": settings.TIME_ZONE,
        "now": now,
        "follower_every": FOLLOWER_EVERY,
        "jitter": JITTER_DEGREES,
    }


def remove() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM complaints_historyentry WHERE complaint_id IN"
            " (SELECT id FROM complaints_complaint WHERE source = %s)",
            [SOURCE],
        )
        cursor.execute("DELETE FROM complaints_complaint WHERE source = %s AND parent_id IS NOT NULL", [SOURCE])
        followers = cursor.rowcount
        cursor.execute("DELETE FROM complaints_complaint WHERE source = %s", [SOURCE])
        return cursor.rowcount + followers
