"""The matcher against PostGIS ST_Covers on the whole country, and against real Traffy Fondue labels."""

import numpy as np
import pytest
import shapely
from django.conf import settings
from django.db import connection

from routing.engine.evaluation import traffy_agreement

LEVELS = ("subdistrict", "district", "province")

pytestmark = pytest.mark.django_db


def sample_points(matcher, n_random=40_000, n_vertices=20_000, n_midpoints=20_000, n_coast=20_000, seed=11):
    """Random over Thailand's box, exactly on polygon vertices, on edge midpoints, and just off them."""
    rng = np.random.default_rng(seed)
    parts = [np.column_stack([rng.uniform(97.3, 105.7, n_random), rng.uniform(5.6, 20.5, n_random)])]
    coords = []
    for index in matcher.levels:
        rings = shapely.get_rings(shapely.get_parts(index.geoms))
        coords.append(shapely.get_coordinates(rings))
    coords = np.concatenate(coords)
    picks = rng.choice(len(coords) - 1, n_vertices + n_midpoints + n_coast, replace=False)
    vertices = coords[picks[:n_vertices]]
    a, b = (
        coords[picks[n_vertices : n_vertices + n_midpoints]],
        coords[picks[n_vertices : n_vertices + n_midpoints] + 1],
    )
    midpoints = (a + b) / 2
    coast = coords[picks[-n_coast:]] + rng.normal(0, 0.0003, (n_coast, 2))
    parts += [vertices, midpoints, coast]
    return np.concatenate(parts)


def postgis_covers(points, generation_id):
    """{(point index, level): set of codes} from one set-based ST_Covers join."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE probe (id int, geom geometry) ON COMMIT DROP")
        # Hex EWKB carries the doubles bit for bit: no decimal rounding between the two sides.
        wkb = shapely.to_wkb(shapely.points(points), hex=True, include_srid=False)
        with cursor.copy("COPY probe (id, geom) FROM STDIN") as copy:
            copy.write("".join(f"{i}\t{w}\n" for i, w in enumerate(wkb)))
        cursor.execute("UPDATE probe SET geom = ST_SetSRID(geom, 4326)")
        cursor.execute("CREATE INDEX ON probe USING gist (geom); ANALYZE probe")
        cursor.execute(
            "SELECT p.id, b.level, b.code FROM probe p JOIN boundaries_boundary b"
            " ON b.generation_id = %s AND ST_Covers(b.geom, p.geom)",
            [generation_id],
        )
        found = {}
        for point_id, level, code in cursor.fetchall():
            found.setdefault((point_id, level), set()).add(code)
        return found


def test_every_answer_equals_postgis_st_covers(national_matcher, thailand):
    points = sample_points(national_matcher)
    assert len(points) >= 100_000
    expected = postgis_covers(points, thailand.id)
    batch = national_matcher.lookup_many(points[:, 0], points[:, 1], within_m=0)
    mismatches = []
    on_boundary = 0
    for k in range(len(points)):
        match = batch.match(k)
        on_boundary += match.on_boundary
        for level in LEVELS:
            j = match.jurisdictions.get(level)
            mine = {j.code, *j.ties} if j else set()
            if mine != expected.get((k, level), set()):
                mismatches.append((k, level, points[k].tolist(), mine, expected.get((k, level))))
    assert mismatches == [], f"{len(mismatches)} of {len(points) * 3} answers differ, e.g. {mismatches[:5]}"
    assert on_boundary > 10_000  # the vertex and edge samples really did land on boundaries
    # And the single path agrees with the batch on a slice of the hardest points.
    for k in range(40_000, 46_000):
        assert national_matcher.lookup(points[k, 0], points[k, 1], within_m=0) == batch.match(k)


def test_real_traffy_complaints_land_in_the_recorded_district(national_matcher, capsys):
    data = settings.GEO_DATA_DIR
    agreement = traffy_agreement(
        national_matcher,
        data / "traffy" / "traffy_bangkok_dev.csv",
        data / "thailand" / "ocha-cod-ab" / "tambon" / "bangkok.zip",
    )
    with capsys.disabled():
        print("\nTraffy: " + "; ".join(agreement.lines()))
    n = agreement.complaints
    assert n > 1800
    assert agreement.district_agree / n >= 0.98
    assert agreement.subdistrict_agree_current / n >= 0.85
    assert agreement.subdistrict_agree_crosswalk / n >= 0.93
    # Label noise, not routing error: every disagreement is a pin within metres of the recorded district.
    assert all(
        d["metres_to_recorded"] is not None and d["metres_to_recorded"] < 500 for d in agreement.district_disagreements
    )
