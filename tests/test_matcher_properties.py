"""Properties of the matcher over generated inputs (hypothesis): a point strictly inside a polygon
built around it matches that polygon, and a batch answers exactly what single lookups answer."""

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from routing.engine.level import LevelIndex
from routing.engine.matcher import Matcher

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much],
)

lons = st.floats(97.3, 105.7, allow_nan=False)
lats = st.floats(5.6, 20.5, allow_nan=False)


@st.composite
def star_around(draw, cx, cy):
    """A simple polygon star-shaped about (cx, cy): every ray from the centre crosses its edge once."""
    n = draw(st.integers(4, 40))
    # One vertex in each of n equal sectors, jittered: consecutive vertices stay less than half a
    # turn apart (at most 1.8 sectors of 2π/4), so the centre is strictly inside.
    jitter = draw(st.lists(st.floats(0, 0.8), min_size=n, max_size=n))
    angles = [2 * math.pi * (k + u) / n for k, u in enumerate(jitter)]
    radii = draw(st.lists(st.floats(1e-4, 0.4), min_size=n, max_size=n))
    return Polygon([(cx + r * math.cos(a), cy + r * math.sin(a)) for a, r in zip(angles, radii)])


def one_level_matcher(polygons, cell):
    codes = [f"{k:06d}" for k in range(len(polygons))]
    index = LevelIndex("subdistrict", 1, codes, codes, codes, [""] * len(codes), polygons, cell=cell)
    return Matcher([index], {"admin": 1})


def answer(match):
    return match.status, match.reason, {level: j.as_dict() for level, j in match.jurisdictions.items()}


@SETTINGS
@given(
    data=st.data(),
    cx=lons,
    cy=lats,
    cell=st.sampled_from([1 / 256, 1 / 64, 1 / 16, 1 / 4]),
    fraction=st.floats(0, 0.999),
)
def test_a_point_strictly_inside_a_polygon_built_around_it_matches_it(data, cx, cy, cell, fraction):
    polygon = data.draw(star_around(cx, cy))
    assume(polygon.is_valid and polygon.area > 0)
    # Neighbours one degree away on each side: near enough to share grid cells at coarse sizes.
    neighbours = [data.draw(star_around(cx + dx, cy + dy)) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))]
    neighbours = [p for p in neighbours if p.is_valid and not p.intersects(polygon)]
    matcher = one_level_matcher([polygon, *neighbours], cell)

    # The centre, and a point part of the way from the centre towards a vertex (still strictly inside).
    vx, vy = polygon.exterior.coords[data.draw(st.integers(0, len(polygon.exterior.coords) - 2))]
    px, py = cx + fraction * (vx - cx), cy + fraction * (vy - cy)
    for x, y in ((cx, cy), (px, py)):
        assume(polygon.contains(Point(x, y)) and polygon.exterior.distance(Point(x, y)) > 1e-9)
        match = matcher.lookup(x, y, within_m=0)
        assert match.status == "matched"
        assert match.jurisdictions["subdistrict"].code == "000000"
        assert not match.jurisdictions["subdistrict"].on_boundary


@SETTINGS
@given(data=st.data(), cx=lons, cy=lats, cell=st.sampled_from([1 / 64, 1 / 4]))
def test_batch_equals_single_on_generated_polygons(data, cx, cy, cell):
    polygons = [data.draw(star_around(cx + dx, cy)) for dx in (0, 0.9)]
    assume(all(p.is_valid for p in polygons) and not polygons[0].intersects(polygons[1]))
    matcher = one_level_matcher(polygons, cell)
    # Points in and around the polygons, including their very vertices (edge cases on boundaries).
    vertices = [c for p in polygons for c in p.exterior.coords]
    points = data.draw(
        st.lists(
            st.one_of(
                st.tuples(st.floats(cx - 0.5, cx + 1.5), st.floats(cy - 0.5, cy + 0.5)),
                st.sampled_from(vertices),
            ),
            min_size=1,
            max_size=40,
        )
    )
    within = data.draw(st.sampled_from([0, 30, 500]))
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    batch = matcher.lookup_many(xs, ys, within)
    for k, (x, y) in enumerate(points):
        assert answer(batch.match(k)) == answer(matcher.lookup(x, y, within))


@settings(
    max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.data_too_large]
)
@given(
    points=st.lists(st.tuples(lons, lats), min_size=1, max_size=200),
    within=st.sampled_from([0, 30, 500]),
)
def test_batch_equals_single_on_the_national_layer(national_matcher, points, within):
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    batch = national_matcher.lookup_many(xs, ys, within)
    for k, (x, y) in enumerate(points):
        assert answer(batch.match(k)) == answer(national_matcher.lookup(x, y, within))
