"""Topology-preserving simplification of nested coverages (boundaries/simplify.py), on tiny synthetic shapes."""

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from boundaries.simplify import simplify_coverage


def wiggle(a, b, n=200, amplitude=0.0004, seed=0):
    """A densely digitised border from a to b: n points within `amplitude` of the straight line."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, n)
    x = a[0] + (b[0] - a[0]) * t
    y = a[1] + (b[1] - a[1]) * t
    nx, ny = -(b[1] - a[1]), b[0] - a[0]
    length = math.hypot(nx, ny)
    offset = amplitude * np.sin(t * 7) * (t > 0) * (t < 1) + rng.uniform(-1e-5, 1e-5, n) * (t > 0) * (t < 1)
    return list(zip(x + nx / length * offset, y + ny / length * offset))


def grid_coverage():
    """Four cells of a 2x2 grid whose shared borders are wiggly (identical vertices on both sides),
    one with a lake holding an island cell (an enclave), and their union as the coarser level."""
    xs, ys = [0.0, 1.0, 2.0], [0.0, 1.0, 2.0]
    vertical = {(i, j): wiggle((xs[i], ys[j]), (xs[i], ys[j + 1]), seed=10 * i + j) for i in range(3) for j in range(2)}
    horizontal = {
        (i, j): wiggle((xs[i], ys[j]), (xs[i + 1], ys[j]), seed=100 + 10 * i + j) for i in range(2) for j in range(3)
    }

    def cell(i, j):
        south = horizontal[(i, j)]
        east = vertical[(i + 1, j)]
        north = horizontal[(i, j + 1)][::-1]
        west = vertical[(i, j)][::-1]
        ring = south[:-1] + east[:-1] + north[:-1] + west[:-1]
        return Polygon([*ring, ring[0]])

    cells = [cell(i, j) for j in range(2) for i in range(2)]
    lake = Polygon(wiggle((0.3, 0.3), (0.7, 0.3), 50) + wiggle((0.7, 0.3), (0.5, 0.7), 50)[1:])
    cells[0] = Polygon(cells[0].exterior.coords, [lake.exterior.coords])
    island = lake
    fine = [MultiPolygon([c]) for c in [*cells, island]]
    return fine, [MultiPolygon([shapely.union_all(fine)])]


def test_neighbours_keep_one_border_and_levels_nest():
    fine, coarse = grid_coverage()
    (light_fine, light_coarse), report = simplify_coverage([fine, coarse], 0.001, 6)
    assert all(g.is_valid for g in light_fine) and light_coarse[0].is_valid
    assert report.vertices_after < report.vertices_before / 5
    # No gaps or overlaps between neighbours: the pieces add up to their union exactly.
    union = shapely.union_all(light_fine)
    assert math.isclose(sum(g.area for g in light_fine), union.area, rel_tol=1e-12)
    for i, a in enumerate(light_fine):
        for b in light_fine[i + 1 :]:
            assert a.intersection(b).area < 1e-15
    # The coarser level is rebuilt from the same borders, so it is the union of the finer one.
    assert union.symmetric_difference(light_coarse[0]).area < 1e-12
    # Every border stays within the tolerance (plus the rounding) of where it was.
    for before, after in zip(fine, light_fine):
        assert before.hausdorff_distance(after) <= 0.001 + 1e-6
    # The island fills the lake exactly.
    lake_hole = Polygon(light_fine[0].geoms[0].interiors[0])
    assert lake_hole.symmetric_difference(light_fine[4]).area < 1e-15


def test_coordinates_are_rounded_to_the_precision():
    fine, coarse = grid_coverage()
    (light_fine, _), _ = simplify_coverage([fine, coarse], 0.001, 4)
    coords = shapely.get_coordinates(light_fine)
    assert np.allclose(coords, np.round(coords, 4), atol=1e-12)


def test_borders_that_would_cross_keep_their_vertices():
    # A thin strip between two cells: simplified at a tolerance wider than the strip, its two
    # borders would cross; they are kept as they were and everything stays valid.
    # Both borders follow the same bend, sampled at different places, so their simplified chords differ.
    bend = [(x, 0.5 + 0.05 * math.sin(x * 3)) for x in np.linspace(0, 1, 100)]
    bend_top = [(x, 0.5001 + 0.05 * math.sin(x * 3)) for x in np.linspace(0, 1, 137)]
    south = Polygon([(0, 0), (1, 0), *bend[::-1]])
    strip = Polygon([*bend, *bend_top[::-1]])
    north = Polygon([*bend_top, (1, 1), (0, 1)])
    fine = [MultiPolygon([p]) for p in (south, strip, north)]
    (light,), report = simplify_coverage([fine], 0.01, 7)
    assert all(g.is_valid and not g.is_empty for g in light)
    assert report.chains_kept_original >= 2 and report.repaired == 0
    union = shapely.union_all(light)
    assert math.isclose(sum(g.area for g in light), union.area, rel_tol=1e-9)
