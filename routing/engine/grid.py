"""A uniform grid over one level's polygons that answers most points without any polygon test.

Each cell gets one int32 label:
  k ≥ 1       the cell lies wholly inside the polygons of coverage set k (usually one polygon);
  FAR  ( 0)   no polygon covers the cell and none is within MAX_WITHIN_M of it;
  NEAR (-1)   no polygon covers the cell, but one is close enough that snapping may reach it;
  v ≤ -2      MIXED: a polygon boundary passes through the cell; its candidate polygons are
              slot -2 - v of a CSR list, to be tested exactly.

Why it is exact: a cell is MIXED whenever a boundary segment passes through it (the segments are
densified so consecutive vertices are at most one cell apart, and both corner cells of a diagonal
step are marked too; cell indexes are a monotonic function of the coordinate, so a point on a
segment always lands in a marked cell). Cells that no boundary touches form connected regions
(4-neighbour, scipy.ndimage.label) inside which coverage cannot change, so one exact test of one
cell centre per region labels the whole region.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

FAR, NEAR, FIRST_MIXED = 0, -1, -2
MAX_WITHIN_M = 1000.0
M_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Grid:
    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    labels: np.ndarray  # (ny * nx,) int32, row-major
    sets: tuple  # set id -> tuple of polygon indexes (index 0: the empty set)
    cand_offsets: np.ndarray  # CSR offsets of each MIXED cell's candidate polygons
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

    def candidates(self, label: int) -> np.ndarray:
        slot = FIRST_MIXED - label
        return self.cand_polys[self.cand_offsets[slot] : self.cand_offsets[slot + 1]]

    @property
    def nbytes(self) -> int:
        return self.labels.nbytes + self.cand_offsets.nbytes + self.cand_polys.nbytes


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

    mixed = _boundary_cells(geoms, x0, y0, cell, nx, ny)
    regions, count = ndimage.label(~mixed)
    # One exact test per region, at the centre of any one of its cells.
    flat_regions = regions.ravel()
    first_cell = np.full(count + 1, -1, dtype=np.int64)
    order = np.argsort(flat_regions, kind="stable")
    sorted_regions = flat_regions[order]
    starts = np.searchsorted(sorted_regions, np.arange(1, count + 1))
    first_cell[1:] = order[starts]
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

    # Candidate polygons of each MIXED cell: those whose envelope meets the cell.
    mixed_flat = np.flatnonzero(mixed.ravel())
    boxes = shapely.box(
        x0 + (mixed_flat % nx) * cell,
        y0 + (mixed_flat // nx) * cell,
        x0 + (mixed_flat % nx + 1) * cell,
        y0 + (mixed_flat // nx + 1) * cell,
    )
    box_idx, cand = tree.query(boxes)
    order = np.lexsort((cand, box_idx))
    box_idx, cand = box_idx[order], cand[order]
    offsets = np.zeros(len(mixed_flat) + 1, dtype=np.int64)
    np.add.at(offsets, box_idx + 1, 1)
    offsets = np.cumsum(offsets)
    labels[mixed_flat] = FIRST_MIXED - np.arange(len(mixed_flat), dtype=np.int32)
    return Grid(
        x0=float(x0),
        y0=float(y0),
        size=float(cell),
        nx=nx,
        ny=ny,
        labels=labels,
        sets=tuple(sets),
        cand_offsets=offsets,
        cand_polys=cand.astype(np.int32),
    )
