"""Coarser levels answered from the finer one where the polygons nest exactly, and tested elsewhere."""

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon

from routing.engine.level import LevelIndex
from routing.engine.matcher import Matcher
from routing.engine.nesting import Outline, derivations, exact_parents

# Two subdistricts side by side; their district shares their vertices (as a coverage union does).
WEST = Polygon([(100, 10), (101, 10), (101, 11), (100, 11)])
EAST = Polygon([(101, 10), (102, 10), (102, 11), (101, 11)])
BOTH = Polygon([(100, 10), (101, 10), (102, 10), (102, 11), (101, 11), (100, 11)])
# The same outline with its west edge's corner moved by a rounding's worth.
BOTH_ROUNDED = Polygon([(100, 10), (101, 10), (102, 10), (102, 11), (101, 11), (100 + 1e-13, 11)])
# The same outline without the vertices where the subdistricts meet.
BOTH_PLAIN = Polygon([(100, 10), (102, 10), (102, 11), (100, 11)])
NEXT = Polygon([(102, 10), (103, 10), (103, 11), (102, 11)])


def level(name, rows, cell=1 / 64):
    codes, parents, geoms = zip(*rows)
    return LevelIndex(name, 7, codes, codes, codes, parents, geoms, cell=cell)


def subdistricts(*extra):
    return level("subdistrict", [("990101", "9901", WEST), ("990102", "9901", EAST), *extra])


def test_a_dissolve_that_kept_its_childrens_vertices_is_exact():
    fine = subdistricts(("990201", "9902", NEXT))
    coarse = level("district", [("9901", "99", BOTH), ("9902", "99", NEXT)])
    assert exact_parents(fine.rings, np.array([0, 0, 1]), coarse.rings).tolist() == [True, True]
    assert derivations(Outline.of(fine), Outline.of(coarse)).tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    "outline", [BOTH_ROUNDED, BOTH_PLAIN, MultiPolygon([WEST, EAST])], ids=["rounded", "merged-edges", "overlapping"]
)
def test_a_parent_that_is_not_exactly_its_childrens_union_is_tested(outline):
    # merged-edges: the same set of points, but not the same segments: the check is conservative.
    # overlapping: two parts whose shared edge is counted twice, an invalid polygon.
    fine = subdistricts(("990201", "9902", NEXT))
    coarse = level("district", [("9901", "99", outline), ("9902", "99", NEXT)])
    assert exact_parents(fine.rings, np.array([0, 0, 1]), coarse.rings).tolist() == [False, True]
    # NEXT's box touches the inexact district's box: its points are tested too.
    assert derivations(Outline.of(fine), Outline.of(coarse)).tolist() == [-1, -1, -1]


def test_a_parent_with_a_missing_or_extra_child_is_not_exact():
    coarse = level("district", [("9901", "99", BOTH)])
    only_west = level("subdistrict", [("990101", "9901", WEST)])
    assert exact_parents(only_west.rings, np.array([0]), coarse.rings).tolist() == [False]
    twice = subdistricts(("990103", "9901", WEST))  # a duplicate child: its edges count twice
    assert exact_parents(twice.rings, np.array([0, 0, 0]), coarse.rings).tolist() == [False]
    orphan = subdistricts()
    assert derivations(Outline.of(orphan), Outline.of(level("district", [("9999", "99", BOTH)]))).tolist() == [-1, -1]


def test_derived_answers_equal_the_tested_ones_on_a_small_coverage():
    fine = subdistricts(("990201", "9902", NEXT))
    districts = level("district", [("9901", "99", BOTH), ("9902", "99", NEXT)])
    provinces = level("province", [("99", "", Polygon([(100, 10), (101, 10), (102, 10), (103, 10), (103, 11),
                                                        (102, 11), (101, 11), (100, 11)]))])  # fmt: skip
    derived = Matcher([fine, districts, provinces], {"admin": 7})
    assert [None if d is None else d.tolist() for d in derived.derive] == [None, [0, 0, 1], [0, 0]]
    tested = Matcher([fine, districts, provinces], {"admin": 7}, derive=[None, None, None])
    rng = np.random.default_rng(3)
    lons = np.concatenate([rng.uniform(99.99, 103.01, 20_000), [101.0, 102.0, 100.0, 103.0, 101.5]])
    lats = np.concatenate([rng.uniform(9.99, 11.01, 20_000), [10.5, 10.5, 10.0, 11.0, 11.0]])
    a, b = derived.lookup_many(lons, lats), tested.lookup_many(lons, lats)
    assert a.matches() == b.matches()
    assert [derived.lookup(x, y) for x, y in zip(lons, lats)] == b.matches()
    # Strictly inside WEST: every level follows from it, and the answer is the shared one.
    assert derived.lookup(100.5, 10.5) is derived.lookup(100.25, 10.75)
    assert {lv: j.code for lv, j in derived.lookup(100.5, 10.5).jurisdictions.items()} == {
        "subdistrict": "990101",
        "district": "9901",
        "province": "99",
    }


def test_the_national_levels_nest_exactly_except_where_the_dissolve_had_to_node(national_matcher):
    # Written down from the national data: Bangkok's districts whose subdistricts do not share
    # vertices exactly were dissolved with noding (boundaries/thailand.py), so are tested instead.
    subdistrict_to_district, district_to_province = national_matcher.derive[1], national_matcher.derive[2]
    assert national_matcher.derive[0] is None
    assert (int((subdistrict_to_district >= 0).sum()), len(subdistrict_to_district)) == (7229, 7436)
    assert (int((district_to_province >= 0).sum()), len(district_to_province)) == (856, 928)
    sub = national_matcher.levels[0]
    i = sub.codes.index("530101")  # Tha It, Mueang Uttaradit
    assert national_matcher.levels[1].codes[subdistrict_to_district[i]] == "5301"


def test_derived_national_answers_equal_the_tested_ones_on_and_near_every_boundary(national_matcher):
    tested = Matcher(national_matcher.levels, national_matcher.generations, derive=[None, None, None])
    rng = np.random.default_rng(5)
    xy = np.asarray(national_matcher.levels[0].rings.xy)
    pick = rng.integers(0, len(xy) - 1, 60_000)
    along = xy[pick] + (xy[pick + 1] - xy[pick]) * rng.uniform(0, 1, 60_000)[:, None]
    points = np.concatenate(
        [
            np.column_stack([rng.uniform(97.3, 105.7, 60_000), rng.uniform(5.6, 20.5, 60_000)]),
            along,  # on or within a rounding of a subdistrict's edge
            along + rng.normal(0, 1e-6, along.shape),  # about 10 cm away
            xy[pick[:10_000]],  # exactly on vertices
        ]
    )
    lons, lats = points[:, 0], points[:, 1]
    for within_m in (0.0, 50.0):
        a, b = national_matcher.lookup_many(lons, lats, within_m), tested.lookup_many(lons, lats, within_m)
        for derived_level, tested_level in zip(a.levels, b.levels):
            assert np.array_equal(derived_level.chosen, tested_level.chosen), derived_level.index.level
        expected = b.matches()
        assert a.matches() == expected
        sample = range(0, len(points), 11)
        assert [national_matcher.lookup(lons[k], lats[k], within_m) for k in sample] == [expected[k] for k in sample]
