"""One level's polygon boundaries as flat arrays, and, per grid row, the segments a point's ray can cross.

A point-in-polygon test counts the crossings of a horizontal ray from the point (as GEOS does).
Every segment such a ray crosses spans the point's latitude, so it lies in the point's grid row:
the test reads only that row's segments of that polygon ("band"), a few dozen instead of the
polygon's thousands, and needs no GEOS object. Plain arrays can be written to a file once and
memory-mapped by every process (see store.py).
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit

# A segment joins a row's list when it comes within this much (degrees) of the row, so a point
# whose computed row is off by a rounding still finds every segment spanning its latitude.
ROW_SLACK = 1e-9


@dataclass(frozen=True)
class Rings:
    xy: np.ndarray  # float64 (n, 2), every ring's vertices, rings closed as in the source
    ring_offsets: np.ndarray  # int64: ring r is vertices [ring_offsets[r], ring_offsets[r + 1])
    part_offsets: np.ndarray  # int64: polygon part p is rings [part_offsets[p], part_offsets[p + 1])
    geom_offsets: np.ndarray  # int64: polygon g is parts [geom_offsets[g], geom_offsets[g + 1])
    bounds: np.ndarray  # float64 (n, 4)
    band_keys: np.ndarray  # int64, ascending: band b holds polygon band_keys[b] // ny's segments in row % ny
    band_offsets: np.ndarray  # int64: band b is band_runs[band_offsets[b]:band_offsets[b + 1]]
    band_runs: np.ndarray  # int32 (n, 2): runs [start, stop) of segments, named by their first vertex
    cand_bands: np.ndarray  # int32, beside the grid's cand_polys: the candidate's band in that cell's row, -1: none

    ARRAYS = (
        "xy",
        "ring_offsets",
        "part_offsets",
        "geom_offsets",
        "bounds",
        "band_keys",
        "band_offsets",
        "band_runs",
        "cand_bands",
    )

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in self.ARRAYS)

    def polygons(self, indices) -> np.ndarray:
        """The shapely polygons of these indices, rebuilt from the arrays (for snapping and reports)."""
        indices = np.asarray(indices, dtype=np.int64)
        parts, part_counts = _ranges(self.geom_offsets[indices], self.geom_offsets[indices + 1])
        rings, ring_counts = _ranges(self.part_offsets[parts], self.part_offsets[parts + 1])
        vertices, vertex_counts = _ranges(self.ring_offsets[rings], self.ring_offsets[rings + 1])
        return shapely.from_ragged_array(
            shapely.GeometryType.MULTIPOLYGON,
            np.asarray(self.xy)[vertices],
            tuple(np.concatenate([[0], np.cumsum(c)]) for c in (vertex_counts, ring_counts, part_counts)),
        )

    def boundaries_near(self, polys, first_rows, last_rows, ny: int) -> np.ndarray:
        """Per (polygon, rows) pair: the polygon's boundary segments in those grid rows, as one
        shapely MultiLineString. A point outside a polygon is as far from it as from its boundary,
        and every segment within d of a point lies in the rows within d of it: the distance to a
        polygon, and its nearest point, from a few runs of segments instead of the whole polygon."""
        polys = np.asarray(polys, dtype=np.int64)
        rows, rows_per_pair = _ranges(np.asarray(first_rows), np.asarray(last_rows) + 1)
        pair_of_row = np.repeat(np.arange(len(polys)), rows_per_pair)
        keys = polys[pair_of_row] * ny + rows
        bands = np.searchsorted(self.band_keys, keys)
        found = bands < len(self.band_keys)
        found[found] = self.band_keys[bands[found]] == keys[found]
        bands, pair_of_band = bands[found], pair_of_row[found]
        runs, runs_per_band = _ranges(self.band_offsets[bands], self.band_offsets[bands + 1])
        pair_of_run = np.repeat(pair_of_band, runs_per_band)
        band_runs = np.asarray(self.band_runs)
        vertices, per_run = _ranges(band_runs[runs, 0].astype(np.int64), band_runs[runs, 1].astype(np.int64) + 1)
        runs_per_pair = np.bincount(pair_of_run, minlength=len(polys))
        return shapely.from_ragged_array(
            shapely.GeometryType.MULTILINESTRING,
            np.asarray(self.xy)[vertices],
            (np.concatenate([[0], np.cumsum(per_run)]), np.concatenate([[0], np.cumsum(runs_per_pair)])),
        )


def _ranges(starts, stops):
    """The concatenated ranges [starts[k], stops[k]), and each one's length."""
    lengths = np.asarray(stops - starts, dtype=np.int64)
    first = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return first + np.arange(lengths.sum()), lengths


def vertices(geoms) -> tuple:
    """(xy, ring_offsets, part_offsets, geom_offsets) of these polygons, as `Rings` holds them."""
    _, coords, offsets = shapely.to_ragged_array(np.asarray(geoms, dtype=object))
    if len(offsets) == 2:  # all plain polygons: one part each
        offsets = (*offsets, np.arange(len(geoms) + 1))
    xy = np.ascontiguousarray(coords, dtype=np.float64)
    return (xy, *(np.asarray(o, dtype=np.int64) for o in offsets))


def row_bands(arrays, y0: float, size: float, ny: int) -> tuple:
    """(band_keys, band_offsets, band_runs) of these `vertices` for a grid's rows: they need the
    grid's frame only, so they can be made while its cells are labelled."""
    xy, ring_offsets, part_offsets, geom_offsets = arrays
    return _bands(xy, ring_offsets, part_offsets, geom_offsets, float(y0), float(size), int(ny), ROW_SLACK)


def build_rings(geoms, grid, arrays=None, bands=None) -> Rings:
    """The arrays for these polygons and the bands of `grid`'s rows (`arrays`: their `vertices`;
    `bands`: their `row_bands`, if made already)."""
    geoms = np.asarray(geoms, dtype=object)
    arrays = vertices(geoms) if arrays is None else arrays
    xy, ring_offsets, part_offsets, geom_offsets = arrays
    if bands is None:
        bands = row_bands(arrays, grid.y0, grid.size, grid.ny)
    band_keys, band_offsets, band_runs = bands

    # Each mixed cell's candidate polygons -> their band in the cell's row.
    mixed_cells = grid.mixed_cells
    cand_slot = np.repeat(np.arange(len(mixed_cells)), np.diff(grid.cand_offsets))
    cand_key = grid.cand_polys.astype(np.int64) * grid.ny + mixed_cells[cand_slot] // grid.nx
    found = np.searchsorted(band_keys, cand_key)
    found_ok = found < len(band_keys)
    found_ok[found_ok] = band_keys[found[found_ok]] == cand_key[found_ok]
    cand_bands = np.where(found_ok, found, -1).astype(np.int32)

    return Rings(
        xy=xy,
        ring_offsets=ring_offsets,
        part_offsets=part_offsets,
        geom_offsets=geom_offsets,
        bounds=shapely.bounds(geoms),
        band_keys=band_keys,
        band_offsets=band_offsets,
        band_runs=band_runs,
        cand_bands=cand_bands,
    )


@njit(cache=True, nogil=True)
def _bands(xy, ring_offsets, part_offsets, geom_offsets, y0, size, ny, slack):
    """(band_keys, band_offsets, band_runs): each polygon's segments bucketed by the grid rows
    they come within `slack` of (a counting sort per polygon, stable, so runs stay ascending)."""
    n_polys = len(geom_offsets) - 1
    # Pass 1: every segment's rows, and how many (polygon, row) pairs there are.
    n_segs = 0
    for r in range(len(ring_offsets) - 1):
        n_segs += max(ring_offsets[r + 1] - ring_offsets[r] - 1, 0)
    seg = np.empty(n_segs, dtype=np.int64)
    first = np.empty(n_segs, dtype=np.int64)
    last = np.empty(n_segs, dtype=np.int64)
    poly_seg = np.zeros(n_polys + 1, dtype=np.int64)
    n = 0
    pairs = 0
    for g in range(n_polys):
        for p in range(geom_offsets[g], geom_offsets[g + 1]):
            for r in range(part_offsets[p], part_offsets[p + 1]):
                for i in range(ring_offsets[r], ring_offsets[r + 1] - 1):
                    low = min(xy[i, 1], xy[i + 1, 1])
                    high = max(xy[i, 1], xy[i + 1, 1])
                    f = min(max(math.floor((low - slack - y0) / size), 0), ny - 1)
                    t = min(max(math.floor((high + slack - y0) / size), 0), ny - 1)
                    seg[n], first[n], last[n] = i, f, t
                    pairs += t - f + 1
                    n += 1
        poly_seg[g + 1] = n
    # Pass 2: per polygon, its segments in row order.
    pair_seg = np.empty(pairs, dtype=np.int64)
    pair_key = np.empty(pairs, dtype=np.int64)
    pos = 0
    for g in range(n_polys):
        a, b = poly_seg[g], poly_seg[g + 1]
        if a == b:
            continue
        low_row, high_row = first[a], last[a]
        for s in range(a, b):
            low_row = min(low_row, first[s])
            high_row = max(high_row, last[s])
        cursor = np.zeros(high_row - low_row + 2, dtype=np.int64)
        for s in range(a, b):
            for row in range(first[s], last[s] + 1):
                cursor[row - low_row + 1] += 1
        for k in range(1, len(cursor)):
            cursor[k] += cursor[k - 1]
        for s in range(a, b):
            for row in range(first[s], last[s] + 1):
                k = pos + cursor[row - low_row]
                cursor[row - low_row] += 1
                pair_seg[k] = seg[s]
                pair_key[k] = g * ny + row
        pos += cursor[-1]
    # Runs of consecutive segments within a band.
    band_keys = np.empty(pairs, dtype=np.int64)
    band_offsets = np.empty(pairs + 1, dtype=np.int64)
    band_runs = np.empty((pairs, 2), dtype=np.int32)
    n_bands = 0
    n_runs = 0
    for k in range(pairs):
        new_band = k == 0 or pair_key[k] != pair_key[k - 1]
        if new_band:
            band_keys[n_bands] = pair_key[k]
            band_offsets[n_bands] = n_runs
            n_bands += 1
        if new_band or pair_seg[k] != pair_seg[k - 1] + 1:
            band_runs[n_runs, 0] = pair_seg[k]
            n_runs += 1
        band_runs[n_runs - 1, 1] = pair_seg[k] + 1
    band_offsets[n_bands] = n_runs
    return band_keys[:n_bands].copy(), band_offsets[: n_bands + 1].copy(), band_runs[:n_runs].copy()
