"""The index build's kernels against plain references: boundary cells, snapping reach, row bands."""

import numpy as np
import pytest
import shapely
from scipy import ndimage

from routing.engine.grid import _boundary_cells, _within
from routing.engine.rings import ROW_SLACK, _bands, vertices


@pytest.mark.parametrize("shape,density,reach", [((40, 60), 0.02, 3), ((200, 300), 0.002, 11), ((1, 50), 0.05, 4)])
def test_the_snapping_reach_equals_a_repeated_3x3_dilation(shape, density, reach):
    mask = np.random.default_rng(7).random(shape) < density
    mask[0, 0] = mask[-1, -1] = True  # marked cells on the edges of the grid too
    expected = ndimage.binary_dilation(mask, structure=np.ones((3, 3), dtype=bool), iterations=reach)
    assert np.array_equal(_within(mask, reach), expected)


def test_every_point_of_a_segment_lands_in_a_marked_cell():
    rng = np.random.default_rng(11)
    cell, x0, y0, nx, ny = 1 / 512, 100.0, 13.0, 200, 200
    # Random segments, some along grid lines and through cell corners exactly.
    starts = np.column_stack([rng.uniform(100.05, 100.33, 400), rng.uniform(13.05, 13.33, 400)])
    ends = starts + rng.normal(0, 0.01, (400, 2))
    gx, gy = x0 + 51 * cell, y0 + 51 * cell  # exactly on grid lines
    on_lines = np.array(
        [[gx, gy, gx + 9 * cell, gy], [gx, gy, gx, gy + 9 * cell], [gx, gy, gx + 9 * cell, gy + 9 * cell]]
    )
    segments = np.vstack([np.column_stack([starts, ends]), on_lines])
    segments[:, [1, 3]] = np.clip(segments[:, [1, 3]], 13.01, 13.38)
    xy = segments.reshape(-1, 2)
    ring_offsets = np.arange(0, len(xy) + 1, 2)  # each segment its own two-vertex "ring"
    mask = _boundary_cells(xy, ring_offsets, x0, y0, cell, nx, ny)
    t = np.concatenate([rng.uniform(0, 1, 200), [0.0, 0.5, 1.0]])
    points = segments[:, None, :2] + (segments[:, None, 2:] - segments[:, None, :2]) * t[None, :, None]
    points = points.reshape(-1, 2)
    ix = np.floor((points[:, 0] - x0) / cell).astype(int)
    iy = np.floor((points[:, 1] - y0) / cell).astype(int)
    assert mask[iy, ix].all()
    assert mask.sum() < 0.2 * nx * ny  # and not simply everything


def test_row_bands_hold_exactly_the_segments_that_reach_each_row():
    polygons = np.array(
        [
            shapely.Polygon([(0.1, 0.1), (0.9, 0.15), (0.5, 0.95)]),
            shapely.Polygon([(1, 1), (2, 1), (2, 2), (1, 2)], holes=[[(1.2, 1.2), (1.4, 1.2), (1.3, 1.7)]]),
        ]
    )
    xy, ring_offsets, part_offsets, geom_offsets = vertices(polygons)
    y0, size, ny = 0.0, 0.25, 10
    keys, offsets, runs = _bands(xy, ring_offsets, part_offsets, geom_offsets, y0, size, ny, ROW_SLACK)
    found = {}
    for b, key in enumerate(keys.tolist()):
        segs = [i for lo, hi in runs[offsets[b] : offsets[b + 1]].tolist() for i in range(lo, hi)]
        found[(key // ny, key % ny)] = segs
    expected = {}
    for g in range(len(polygons)):
        rings = range(part_offsets[geom_offsets[g]], part_offsets[geom_offsets[g + 1]])
        for r in rings:
            for i in range(ring_offsets[r], ring_offsets[r + 1] - 1):
                low, high = sorted((xy[i, 1], xy[i + 1, 1]))
                for row in range(int((low - ROW_SLACK) // size), int((high + ROW_SLACK) // size) + 1):
                    expected.setdefault((g, row), []).append(i)
    assert found == expected
    # Keys strictly ascending in the array (the lookups search it), each band's offset after the last.
    assert np.all(np.diff(keys) > 0) and np.all(np.diff(offsets) > 0) and offsets[-1] == len(runs)
