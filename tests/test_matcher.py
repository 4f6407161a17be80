"""Matcher semantics on tiny synthetic squares: plain Python, no database, no HTTP."""

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, box

from routing.engine.level import LevelIndex
from routing.engine.matcher import Matcher

WEST, EAST = box(100, 10, 101, 11), box(101, 10, 102, 11)
LAKE = box(100.4, 10.4, 100.6, 10.6)  # a hole in the province: a gap no subdistrict covers
M_PER_DEG = 111_320.0


def level(name, rows, cell=1 / 64):
    codes, names, parents, geoms = zip(*rows)
    return LevelIndex(name, 7, codes, names, [n.upper() for n in names], parents, geoms, cell=cell)


@pytest.fixture(scope="module")
def matcher():
    subdistricts = level("subdistrict", [("990101", "west", "9901", WEST), ("990102", "east", "9901", EAST)])
    districts = level("district", [("9901", "both", "99", box(100, 10, 102, 11))])
    provinces = level("province", [("99", "province", "", MultiPolygon([box(100, 10, 102, 11)]))])
    return Matcher([provinces, districts, subdistricts], {"admin": 7})


def codes(match):
    return {level: j.code for level, j in match.jurisdictions.items()}


def test_point_inside(matcher):
    match = matcher.lookup(100.5, 10.5)
    assert match.status == "matched"
    assert codes(match) == {"subdistrict": "990101", "district": "9901", "province": "99"}
    assert not match.on_boundary
    assert match.jurisdictions["subdistrict"].generation == 7
    assert match.jurisdictions["subdistrict"].name_en == "WEST"


def test_point_on_shared_edge_is_deterministic_and_flagged(matcher):
    match = matcher.lookup(101.0, 10.5)
    sub = match.jurisdictions["subdistrict"]
    assert sub.code == "990101" and sub.on_boundary and sub.ties == ("990102",)
    assert not match.jurisdictions["district"].on_boundary  # inside the district that holds both
    assert match.status == "matched" and match.on_boundary


def test_point_on_outer_edge_and_corner_count_as_covered(matcher):
    for lon, lat in [(100.0, 10.5), (102.0, 11.0), (101.0, 11.0)]:
        match = matcher.lookup(lon, lat, within_m=0)
        assert match.status == "matched", (lon, lat)
        assert match.jurisdictions["province"].on_boundary


def test_near_miss_is_snapped_with_distance(matcher):
    lon = 100.0 - 30 / (M_PER_DEG * np.cos(np.radians(10.5)))  # 30 m west of the west edge
    match = matcher.lookup(lon, 10.5)
    assert match.status == "snapped"
    assert match.snapped_m == pytest.approx(30, abs=0.5)
    assert codes(match)["subdistrict"] == "990101"
    assert not match.on_boundary
    assert matcher.lookup(lon, 10.5, within_m=10).status == "unmatched"


def test_far_point_is_unmatched_with_reason(matcher):
    match = matcher.lookup(90.0, 0.0)
    assert match.status == "unmatched" and match.jurisdictions == {}
    assert "outside" in match.reason


def test_coarser_levels_follow_the_finer_answer_on_ties():
    # Two districts sharing the edge lon=101: the district must be the chosen subdistrict's parent.
    subs = level("subdistrict", [("990201", "b-side", "9902", EAST), ("990101", "a-side", "9901", WEST)])
    dists = level("district", [("9902", "d2", "99", EAST), ("9901", "d1", "99", WEST)])
    m = Matcher([dists, subs], {"admin": 1})
    match = m.lookup(101.0, 10.5)
    assert codes(match) == {"subdistrict": "990101", "district": "9901"}
    batch = m.lookup_many([101.0], [10.5]).match(0)
    assert batch == match


def test_overlap_interior_is_a_tie_but_not_a_boundary():
    subs = level(
        "subdistrict",
        [("990101", "a", "9901", box(100, 10, 101, 11)), ("990102", "b", "9901", box(100.5, 10, 101.5, 11))],
    )
    m = Matcher([subs], {"admin": 1})
    sub = m.lookup(100.75, 10.5).jurisdictions["subdistrict"]
    assert sub.code == "990101" and sub.ties == ("990102",) and not sub.on_boundary


def test_gap_inside_a_province_is_reported(matcher):
    subs = level("subdistrict", [("990101", "ring", "9901", WEST.difference(LAKE))])
    provs = level("province", [("99", "p", "", WEST)])
    m = Matcher([provs, subs], {"admin": 1})
    match = m.lookup(100.5, 10.5, within_m=0)
    assert match.status == "unmatched" and "subdistrict" in match.reason
    assert codes(match) == {"province": "99"}


def test_batch_equals_single_everywhere(matcher):
    rng = np.random.default_rng(7)
    n = 20_000
    lons = rng.uniform(99.99, 102.01, n)
    lats = rng.uniform(9.99, 11.01, n)
    # Exactly on edges, corners and grid-cell lines as well.
    lons[:2000] = rng.choice([100.0, 101.0, 102.0, 100 + 1 / 64, 101 - 1 / 64], 2000)
    lats[2000:4000] = rng.choice([10.0, 11.0, 10.5, 10 + 1 / 64], 2000)
    batch = matcher.lookup_many(lons, lats)
    for k in range(n):
        assert batch.match(k) == matcher.lookup(lons[k], lats[k]), (lons[k], lats[k])
    statuses = {batch.match(k).status for k in range(n)}
    assert statuses == {"matched", "snapped", "unmatched"}


def test_grid_answers_interior_cells_without_polygon_tests(matcher):
    grid = matcher.levels[0].grid
    assert (grid.labels > 0).mean() > 0.5  # most of a 2°x1° square pair is interior cells
