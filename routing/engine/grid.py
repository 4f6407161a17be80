"""A uniform grid over one level's polygons that answers most points without any polygon test.

Each cell gets one label (int16 while the coverage sets fit, to halve the largest array):
  k ≥ 1       the cell lies wholly inside the polygons of coverage set k (usually one polygon);
  FAR  ( 0)   no polygon covers the cell and none is within MAX_WITHIN_M of it;
  NEAR (-1)   no polygon covers the cell, but one is close enough that snapping may reach it;
  MIXED (-2)  a polygon boundary passes through the cell; its candidate polygons, to be tested
              exactly, are a CSR list at the cell's rank among the mixed cells (`slot`).

Why it is exact: a cell is MIXED whenever a boundary segment passes through it (the segments are
densified so consecutive vertices are at most one cell apart, and both corner cells of a diagonal
step are marked too; cell indexes are a monotonic function of the coordinate, so a point on a
segment always lands in a marked cell). Cells that no boundary touches form connected regions
(4-neighbour, scipy.ndimage.label) inside which coverage cannot change, so one exact test of one
cell centre per region labels the whole region.
"""

import bisect
from dataclasses import dataclass

import numpy as np
import shapely

FAR, NEAR, MIXED = 0, -1, -2
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


def _boundary_cells(geoms, x0, y0, cell, nx, ny) -> np.ndarray:
    """Boolean (ny, nx) mask of every cell a polygon boundary passes through."""
    rings = shapely.get_rings(shapely.get_parts(np.asarray(geoms, dtype=object)))
    # Segments no longer than 0.9 cell: consecutive vertices are in the same or adjacent cells.
    rings = shapely.segmentize(rings, cell * 0.9)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    ix = np.floor((coords[:, 0] - x0) / cell).astype(np.int64)
    iy = np.floor((coords[:, 1] - y0) / cell).astype(np.int64)
    mask = np.zeros((ny, nx), dtype=bool)
    mask[iy, ix] = True
    same_ring = ring_of[1:] == ring_of[:-1]
    a_x, a_y, b_x, b_y = ix[:-1][same_ring], iy[:-1][same_ring], ix[1:][same_ring], iy[1:][same_ring]
    diagonal = (a_x != b_x) & (a_y != b_y)
    mask[a_y[diagonal], b_x[diagonal]] = True
    mask[b_y[diagonal], a_x[diagonal]] = True
    return mask


def build_grid(geoms, tree: shapely.STRtree, cell: float, codes) -> Grid:
    """Label every cell; `codes` orders the polygons of a coverage set deterministically."""
    geoms = np.asarray(geoms, dtype=object)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    pad = MAX_WITHIN_M / M_PER_DEGREE / 0.5 + 2 * cell  # room to snap from just outside the extent
    x0 = np.floor((minx - pad) / cell) * cell
    y0 = np.floor((miny - pad) / cell) * cell
    nx = int(np.ceil((maxx + pad - x0) / cell))
    ny = int(np.ceil((maxy + pad - y0) / cell))

    from scipy import ndimage  # only the build needs it: serving processes never import scipy

    mixed = _boundary_cells(geoms, x0, y0, cell, nx, ny)
    regions, count = ndimage.label(~mixed)
    # One exact test per region, at the centre of any one of its cells.
    flat_regions = regions.ravel()
    first_cell = np.full(count + 1, -1, dtype=np.int64)
    # ndimage.label numbers regions in the raster order of their first cells, so region k starts
    # where the running maximum reaches k (checked; sorted the long way if it ever does not).
    first_cell[1:] = np.searchsorted(np.maximum.accumulate(flat_regions), np.arange(1, count + 1))
    if count and not np.array_equal(flat_regions[first_cell[1:]], np.arange(1, count + 1)):
        order = np.argsort(flat_regions, kind="stable")
        first_cell[1:] = order[np.searchsorted(flat_regions[order], np.arange(1, count + 1))]
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
    labels = region_label[regions].astype(np.int32)

    # Empty cells near any boundary may snap; the rest are far from everything.
    reach = int(np.ceil(MAX_WITHIN_M / (M_PER_DEGREE * 0.5) / cell)) + 1  # cos(60°)=0.5: safe for Thailand
    near = ndimage.binary_dilation(mixed, structure=np.ones((3, 3), dtype=bool), iterations=reach)
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
        labels=labels.astype(np.int16 if len(sets) < np.iinfo(np.int16).max else np.int32),
        sets=tuple(sets),
        mixed_cells=mixed_flat.astype(np.int64),
        mixed_rows=np.searchsorted(mixed_flat, np.arange(ny + 1, dtype=np.int64) * nx).astype(np.int64),
        cand_offsets=offsets,
        cand_polys=cand.astype(np.int32),
    )
