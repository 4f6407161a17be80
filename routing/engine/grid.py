"""A uniform grid over one level's polygons that answers most points without any polygon test.

Each cell gets one label (int16 while the coverage sets fit, to halve the largest array):
  k ≥ 1       the cell lies wholly inside the polygons of coverage set k (usually one polygon);
  FAR  ( 0)   no polygon covers the cell and none is within MAX_WITHIN_M of it;
  NEAR (-1)   no polygon covers the cell, but one is close enough that snapping may reach it;
  MIXED (-2)  a polygon boundary passes through the cell; its candidate polygons, to be tested
              exactly, are a CSR list at the cell's rank among the mixed cells (`slot`).

Why it is exact: a cell is MIXED whenever a boundary segment passes through it or within
EDGE_SLACK of it (per column a segment crosses, the rows between its heights at the column's
edges, both widened by the slack, which dwarfs the rounding of a point's cell index; a segment
shorter across than a cell marks its whole height), so a point on a segment always lands in a
marked cell. Cells that no boundary touches form connected regions
(4-neighbour, scipy.ndimage.label) inside which coverage cannot change, so one exact test of one
cell centre per region labels the whole region.
"""

import bisect
import math
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit

FAR, NEAR, MIXED = 0, -1, -2
# Degrees (~0.1 mm): a segment marks the cells it comes this close to, far more than the rounding
# of a coordinate's cell (about 1e-14 degrees), so a point on a segment always lands in a marked cell.
EDGE_SLACK = 1e-9
MAX_WITHIN_M = 1000.0
M_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Grid:
    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    labels: np.ndarray  # (ny * nx,) int16 or int32, row-major
    sets: tuple  # set id -> tuple of polygon indexes (index 0: the empty set)
    mixed_cells: np.ndarray  # int64, ascending: the MIXED cells; a cell's position is its slot
    mixed_rows: np.ndarray  # int64 (ny + 1): row r's mixed cells are mixed_cells[mixed_rows[r]:mixed_rows[r + 1]]
    cand_offsets: np.ndarray  # CSR offsets of each MIXED cell's candidate polygons, by slot
    cand_polys: np.ndarray

    def cells(self, lon, lat):
        """Flattened cell index of each point; -1 outside the grid."""
        ix = np.floor((np.asarray(lon, dtype=float) - self.x0) / self.size)
        iy = np.floor((np.asarray(lat, dtype=float) - self.y0) / self.size)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        flat = np.where(inside, iy * self.nx + ix, -1)
        return flat.astype(np.int64)

    def cell(self, lon: float, lat: float) -> int:
        ix = int((lon - self.x0) // self.size)
        iy = int((lat - self.y0) // self.size)
        if 0 <= ix < self.nx and 0 <= iy < self.ny:
            return iy * self.nx + ix
        return -1

    def slot(self, cell: int) -> int:
        """A MIXED cell's position among the mixed cells (its candidate list), searched in its row."""
        row = cell // self.nx
        return bisect.bisect_left(self._mixed, cell, int(self.mixed_rows[row]), int(self.mixed_rows[row + 1]))

    @property
    def _mixed(self) -> memoryview:
        return memoryview(self.mixed_cells)

    @property
    def nbytes(self) -> int:
        arrays = (self.labels, self.mixed_cells, self.mixed_rows, self.cand_offsets, self.cand_polys)
        return sum(a.nbytes for a in arrays)


@njit(cache=True, nogil=True)
def _mark_boundary_cells(xy, ring_offsets, x0, y0, cell, nx, ny, mask):
    """Mark every cell a segment passes through or comes within EDGE_SLACK of: per column the
    segment crosses, the rows between its heights at the column's (widened) edges."""
    for r in range(len(ring_offsets) - 1):
        for i in range(ring_offsets[r], ring_offsets[r + 1] - 1):
            ax, ay, bx, by = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
            if bx < ax:
                ax, ay, bx, by = bx, by, ax, ay
            dx = bx - ax
            first = min(max(math.floor((ax - EDGE_SLACK - x0) / cell), 0), nx - 1)
            last = min(max(math.floor((bx + EDGE_SLACK - x0) / cell), 0), nx - 1)
            for c in range(first, last + 1):
                if dx < cell:
                    # Short across: its whole height in each column, so that no division by a tiny
                    # dx can magnify a rounding.
                    low, high = min(ay, by), max(ay, by)
                else:
                    left = max(ax, x0 + c * cell - EDGE_SLACK)
                    right = min(bx, x0 + (c + 1) * cell + EDGE_SLACK)
                    y_left = ay + (by - ay) * ((left - ax) / dx)
                    y_right = ay + (by - ay) * ((right - ax) / dx)
                    low, high = min(y_left, y_right), max(y_left, y_right)
                bottom = min(max(math.floor((low - EDGE_SLACK - y0) / cell), 0), ny - 1)
                top = min(max(math.floor((high + EDGE_SLACK - y0) / cell), 0), ny - 1)
                for row in range(bottom, top + 1):
                    mask[row, c] = True


@njit(cache=True, nogil=True)
def _first_cells(regions, count):
    """Each region's first cell in raster order (index 0, the boundary cells, unused)."""
    first = np.full(count + 1, -1, dtype=np.int64)
    found = 0
    for c in range(len(regions)):
        r = regions[c]
        if r > 0 and first[r] < 0:
            first[r] = c
            found += 1
            if found == count:
                break
    return first


@njit(cache=True, nogil=True)
def _within(mask, reach):
    """Cells within `reach` cells of a marked one in both directions (a 3x3 dilation `reach` times
    over): the distance to the nearest marked cell along rows, then along columns, in four scans."""
    ny, nx = mask.shape
    far = reach + 1
    across = np.zeros((ny, nx), dtype=np.bool_)
    for y in range(ny):
        gap = far
        for x in range(nx):
            gap = 0 if mask[y, x] else min(gap + 1, far)
            across[y, x] = gap <= reach
        gap = far
        for x in range(nx - 1, -1, -1):
            gap = 0 if mask[y, x] else min(gap + 1, far)
            across[y, x] |= gap <= reach
    out = np.zeros((ny, nx), dtype=np.bool_)
    gaps = np.full(nx, far, dtype=np.int64)
    for y in range(ny):
        for x in range(nx):
            gaps[x] = 0 if across[y, x] else min(gaps[x] + 1, far)
            out[y, x] = gaps[x] <= reach
    gaps[:] = far
    for y in range(ny - 1, -1, -1):
        for x in range(nx):
            gaps[x] = 0 if across[y, x] else min(gaps[x] + 1, far)
            out[y, x] |= gaps[x] <= reach
    return out


def _boundary_cells(xy, ring_offsets, x0, y0, cell, nx, ny) -> np.ndarray:
    """Boolean (ny, nx) mask of every cell a polygon boundary passes through."""
    mask = np.zeros((ny, nx), dtype=bool)
    _mark_boundary_cells(xy, ring_offsets, float(x0), float(y0), float(cell), nx, ny, mask)
    return mask


def frame(geoms, cell: float) -> tuple[float, float, int, int]:
    """(x0, y0, nx, ny) of the grid over these polygons: known before any cell is labelled."""
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    pad = MAX_WITHIN_M / M_PER_DEGREE / 0.5 + 2 * cell  # room to snap from just outside the extent
    x0 = float(np.floor((minx - pad) / cell) * cell)
    y0 = float(np.floor((miny - pad) / cell) * cell)
    return x0, y0, int(np.ceil((maxx + pad - x0) / cell)), int(np.ceil((maxy + pad - y0) / cell))


def build_grid(geoms, tree: shapely.STRtree, cell: float, codes, xy, ring_offsets) -> Grid:
    """Label every cell; `codes` orders the polygons of a coverage set deterministically; `xy` and
    `ring_offsets` are the polygons' vertices as in rings.py."""
    geoms = np.asarray(geoms, dtype=object)
    x0, y0, nx, ny = frame(geoms, cell)

    from scipy import ndimage  # only the build needs it: serving processes never import scipy

    mixed = _boundary_cells(xy, ring_offsets, x0, y0, cell, nx, ny)
    regions, count = ndimage.label(~mixed)
    # One exact test per region, at the centre of its first cell.
    first_cell = _first_cells(regions.ravel(), count)
    cx = x0 + (first_cell[1:] % nx + 0.5) * cell
    cy = y0 + (first_cell[1:] // nx + 0.5) * cell
    pts = shapely.points(cx, cy)
    point_idx, poly_idx = tree.query(pts, predicate="intersects")
    covering = [[] for _ in range(count)]
    for p, g in zip(point_idx.tolist(), poly_idx.tolist()):
        covering[p].append(g)
    set_ids = {(): 0}
    sets = [()]
    region_label = np.zeros(count + 1, dtype=np.int32)
    for region, members in enumerate(covering, start=1):
        key = tuple(sorted(members, key=lambda i: codes[i]))
        if key not in set_ids:
            set_ids[key] = len(sets)
            sets.append(key)
        region_label[region] = set_ids[key]
    label_type = np.int16 if len(sets) < np.iinfo(np.int16).max else np.int32
    labels = region_label.astype(label_type)[regions]

    # Empty cells near any boundary may snap; the rest are far from everything.
    reach = int(np.ceil(MAX_WITHIN_M / (M_PER_DEGREE * 0.5) / cell)) + 1  # cos(60°)=0.5: safe for Thailand
    near = _within(mixed, reach)
    labels[(labels == FAR) & near] = NEAR
    labels = labels.ravel()

    # Candidate polygons of each MIXED cell: those whose envelope spans the cell. A point's cell is
    # a monotonic function of its coordinates, so a polygon covering a point of the cell has the
    # cell within the cells of its envelope's corners.
    mixed_flat = np.flatnonzero(mixed.ravel())
    bounds = shapely.bounds(geoms)
    first_x = np.floor((bounds[:, 0] - x0) / cell).astype(np.int64)
    last_x = np.floor((bounds[:, 2] - x0) / cell).astype(np.int64)
    first_y = np.floor((bounds[:, 1] - y0) / cell).astype(np.int64)
    rows = np.floor((bounds[:, 3] - y0) / cell).astype(np.int64) - first_y + 1
    poly_of_row = np.repeat(np.arange(len(geoms)), rows)
    row = np.repeat(first_y - np.cumsum(rows) + rows, rows) + np.arange(rows.sum())
    lo = np.searchsorted(mixed_flat, row * nx + first_x[poly_of_row])
    counts = np.searchsorted(mixed_flat, row * nx + last_x[poly_of_row], side="right") - lo
    cand = np.repeat(poly_of_row, counts)
    slot_of_pair = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    order = np.argsort(slot_of_pair, kind="stable")  # by cell; polygons stay ascending within one
    cand = cand[order]
    offsets = np.zeros(len(mixed_flat) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(slot_of_pair, minlength=len(mixed_flat)))
    labels[mixed_flat] = MIXED
    return Grid(
        x0=float(x0),
        y0=float(y0),
        size=float(cell),
        nx=nx,
        ny=ny,
        labels=labels,
        sets=tuple(sets),
        mixed_cells=mixed_flat,
        mixed_rows=np.searchsorted(mixed_flat, np.arange(ny + 1, dtype=np.int64) * nx).astype(np.int64),
        cand_offsets=offsets,
        cand_polys=cand.astype(np.int32),
    )
