"""One level's polygon boundaries as flat arrays, and, per grid row, the segments a point's ray can cross.

A point-in-polygon test counts the crossings of a horizontal ray from the point (as GEOS does).
Every segment such a ray crosses spans the point's latitude, so it lies in the point's grid row:
the test reads only that row's segments of that polygon ("band"), a few dozen instead of the
polygon's thousands, and needs no GEOS object. Plain arrays can be written to a file once and
memory-mapped by every process (see store.py).
"""

from dataclasses import dataclass

import numpy as np
import shapely

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


def build_rings(geoms, grid) -> Rings:
    """The arrays for these polygons and the bands of `grid`'s rows."""
    geoms = np.asarray(geoms, dtype=object)
    _, coords, offsets = shapely.to_ragged_array(geoms)
    if len(offsets) == 2:  # all plain polygons: one part each
        offsets = (*offsets, np.arange(len(geoms) + 1))
    ring_offsets, part_offsets, geom_offsets = offsets
    xy = np.ascontiguousarray(coords, dtype=np.float64)
    ys = xy[:, 1]
    ring_offsets = np.asarray(ring_offsets, dtype=np.int64)
    part_offsets = np.asarray(part_offsets, dtype=np.int64)
    geom_offsets = np.asarray(geom_offsets, dtype=np.int64)

    # Segment i joins vertex i to i + 1 inside one ring.
    ring_of_vertex = np.repeat(np.arange(len(ring_offsets) - 1), np.diff(ring_offsets))
    segs = np.flatnonzero(ring_of_vertex[:-1] == ring_of_vertex[1:])
    part_of_ring = np.repeat(np.arange(len(part_offsets) - 1), np.diff(part_offsets))
    geom_of_part = np.repeat(np.arange(len(geom_offsets) - 1), np.diff(geom_offsets))
    poly_of_seg = geom_of_part[part_of_ring[ring_of_vertex[segs]]]

    low = np.minimum(ys[segs], ys[segs + 1])
    high = np.maximum(ys[segs], ys[segs + 1])
    first_row = np.clip(np.floor((low - ROW_SLACK - grid.y0) / grid.size), 0, grid.ny - 1).astype(np.int64)
    last_row = np.clip(np.floor((high + ROW_SLACK - grid.y0) / grid.size), 0, grid.ny - 1).astype(np.int64)
    rows_spanned = last_row - first_row + 1
    pair_seg = np.repeat(segs, rows_spanned)
    pair_row = np.repeat(first_row - np.cumsum(rows_spanned) + rows_spanned, rows_spanned) + np.arange(
        rows_spanned.sum()
    )
    pair_poly = np.repeat(poly_of_seg, rows_spanned)
    # By polygon, then row: two stable sorts of small integers (radix sorts when they fit 16 bits).
    order = np.argsort(_small(pair_row), kind="stable")
    order = order[np.argsort(_small(pair_poly[order]), kind="stable")]
    pair_key = pair_poly[order] * grid.ny + pair_row[order]
    pair_seg = pair_seg[order]  # ascending within a band (the sorts are stable)
    new_band = np.diff(pair_key, prepend=-1) != 0
    run_start = np.flatnonzero(new_band | (np.diff(pair_seg, prepend=-2) != 1))
    run_stop = np.append(run_start[1:], len(pair_seg))
    band_runs = np.column_stack([pair_seg[run_start], pair_seg[run_stop - 1] + 1]).astype(np.int32)
    band_keys = pair_key[new_band]
    band_offsets = np.append(np.flatnonzero(new_band[run_start]), len(run_start)).astype(np.int64)

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
        band_keys=band_keys.astype(np.int64),
        band_offsets=band_offsets,
        band_runs=band_runs,
        cand_bands=cand_bands,
    )


def _small(values: np.ndarray) -> np.ndarray:
    return values.astype(np.uint16) if len(values) and values.max() <= np.iinfo(np.uint16).max else values
