"""One level's polygons as a grid and rings: the exact point-in-polygon answer, one point or many.

The semantics (boundaries covered, ties, snapping) are described in matcher.py, which asks every
level of a snapshot in turn.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from .answers import Jurisdiction, LevelAnswers
from .crossing import EXTERIOR, INTERIOR, K_COMPLEX, K_NEAR, K_PLAIN, UNCERTAIN, candidate_states, classify, exact_state
from .grid import FAR, M_PER_DEGREE, MIXED, Grid, build_grid, frame
from .rings import Rings, build_rings, row_bands, vertices

DEFAULT_CELL_DEG = 1 / 256  # ~430 m


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (vectorised)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


class LevelIndex:
    """One level's polygons: the grid answers most points, ray crossings over a row's segments the rest."""

    def __init__(
        self, level, generation, codes, names_th, names_en, parent_codes, geoms, cell=DEFAULT_CELL_DEG, arrays=None
    ):
        """`arrays`: the polygons' `vertices`, if the caller has them already."""
        geoms = np.asarray(geoms, dtype=object)
        shapely.prepare(geoms)  # only while the grid is built: the index keeps arrays, not GEOS objects
        arrays = vertices(geoms) if arrays is None else arrays
        _, y0, _, ny = frame(geoms, cell)
        # The rows' bands need the grid's frame only: made beside the labelling (both release the GIL).
        with ThreadPoolExecutor(max_workers=1) as beside:
            bands = beside.submit(row_bands, arrays, y0, cell, ny)
            grid = build_grid(geoms, shapely.STRtree(geoms), cell, codes, *arrays[:2])
            rings = build_rings(geoms, grid, arrays, bands.result())
        self._setup(level, generation, codes, names_th, names_en, parent_codes, grid, rings)

    @classmethod
    def from_arrays(cls, level, generation, codes, names_th, names_en, parent_codes, grid: Grid, rings: Rings):
        """An index over arrays built earlier (store.py memory-maps them from a file)."""
        index = cls.__new__(cls)
        index._setup(level, generation, codes, names_th, names_en, parent_codes, grid, rings)
        return index

    def _setup(self, level, generation, codes, names_th, names_en, parent_codes, grid, rings):
        self.level = level
        self.generation = generation
        self.codes = list(codes)
        self.names_th = list(names_th)
        self.names_en = list(names_en)
        self.parent_codes = list(parent_codes)
        self.grid: Grid = grid
        self.rings: Rings = rings
        self.code_index = {code: i for i, code in enumerate(self.codes)}
        self.labels = memoryview(grid.labels)  # plain-int indexing for the single-point path
        # The common answer, shared: a point inside exactly one polygon, away from any boundary.
        self.plain = [
            Jurisdiction(level, c, t, e, generation) for c, t, e in zip(self.codes, self.names_th, self.names_en)
        ]
        sets = grid.sets
        self.set_first = np.array([s[0] if s else -1 for s in sets], dtype=np.int32)
        self.set_size = np.array([len(s) for s in sets], dtype=np.int32)
        # Snapping looks for polygons near a point by their boxes, then reads their segments nearby.
        self.tree = shapely.STRtree(shapely.box(*rings.bounds.T))

    def __len__(self):
        return len(self.codes)

    @property
    def geoms(self) -> np.ndarray:
        """Every polygon as a shapely geometry, rebuilt from the arrays (reports and tests)."""
        return self.rings.polygons(range(len(self.codes)))

    def choose(self, covering, interior, prefer_code=None) -> int:
        """Deterministic pick among the polygons covering a point (see module docstring)."""

        def rank(i):
            return (0 if i in interior else 1, 0 if self.codes[i] == prefer_code else 1, self.codes[i])

        return min(covering, key=rank)

    def jurisdiction(self, i, covering=(), interior=(), snapped_m=None) -> Jurisdiction:
        if snapped_m is None and len(covering) == 1 and i in interior:
            return self.plain[i]
        return Jurisdiction(
            self.level,
            self.codes[i],
            self.names_th[i],
            self.names_en[i],
            self.generation,
            on_boundary=snapped_m is None and i not in interior,
            snapped_m=snapped_m,
            ties=tuple(sorted(self.codes[j] for j in covering if j != i)),
        )

    def covering_at(self, lon: float, lat: float, slot: int):
        """(covering polygons, the set of those whose interior holds the point) in one mixed cell."""
        grid, rings = self.grid, self.rings
        out = np.empty((int(grid.cand_offsets[slot + 1] - grid.cand_offsets[slot]), 3), dtype=np.int64)
        n = candidate_states(
            lon, lat, slot, grid.cand_offsets, grid.cand_polys, rings.cand_bands, rings.band_offsets,
            rings.band_runs, rings.xy, out,
        )  # fmt: skip
        covering, interior = [], set()
        for poly, state, band in out[:n].tolist():
            if state == UNCERTAIN:
                lo, hi = int(rings.band_offsets[band]), int(rings.band_offsets[band + 1])
                state = exact_state(lon, lat, rings.band_runs, lo, hi, rings.xy)
            if state == EXTERIOR:
                continue
            covering.append(poly)
            if state == INTERIOR:
                interior.add(poly)
        return covering, interior

    def nearest_within(self, lons, lats, within_m):
        """Per point: (polygon index or -1, metres) of the nearest polygon within within_m metres.

        One vectorised path serves single lookups and batches, so both give identical numbers.
        """
        n = len(lons)
        best = np.full(n, -1, dtype=np.int64)
        best_m = np.full(n, np.inf)
        if within_m <= 0 or n == 0:
            return best, best_m
        # A degree of longitude is the shorter one: a window this wide holds every candidate.
        window = within_m / (M_PER_DEGREE * np.maximum(np.cos(np.radians(lats)), 0.01))
        boxes = shapely.box(lons - window, lats - window, lons + window, lats + window)
        point_idx, poly_idx = self.tree.query(boxes)
        if len(point_idx) == 0:
            return best, best_m
        points = shapely.points(lons[point_idx], lats[point_idx])
        # The point is outside every polygon of this level: its distance to one is the distance
        # to the polygon's boundary segments within the window's rows.
        grid = self.grid
        rows = np.floor((lats[point_idx, None] + np.array([-1, 1]) * window[point_idx, None] - grid.y0) / grid.size)
        rows = np.clip(rows + np.array([-1, 1]), 0, grid.ny - 1).astype(np.int64)
        shapes = self.rings.boundaries_near(poly_idx, rows[:, 0], rows[:, 1], grid.ny)
        # Cheap test first: exact distances only for boundaries inside the window.
        close = shapely.dwithin(shapes, points, window[point_idx])
        point_idx, poly_idx, points, shapes = point_idx[close], poly_idx[close], points[close], shapes[close]
        if len(point_idx) == 0:
            return best, best_m
        near = shapely.get_coordinates(shapely.shortest_line(shapes, points))[0::2]
        metres = np.round(haversine_m(lons[point_idx], lats[point_idx], near[:, 0], near[:, 1]), 2)
        codes = np.asarray(self.codes, dtype=object)[poly_idx]
        for k, g, m, _ in sorted(
            zip(point_idx.tolist(), poly_idx.tolist(), metres.tolist(), codes.tolist()),
            key=lambda row: (row[0], row[2], row[3]),
        ):
            if m <= within_m and best[k] < 0:
                best[k], best_m[k] = g, m
        return best, best_m

    # -- one point --

    def lookup(self, lon, lat, within_m, prefer):
        grid = self.grid
        ix = int((lon - grid.x0) // grid.size)
        iy = int((lat - grid.y0) // grid.size)
        cell = iy * grid.nx + ix
        label = self.labels[cell] if 0 <= ix < grid.nx and 0 <= iy < grid.ny else FAR
        if label > 0:
            members = grid.sets[label]
            if len(members) == 1:
                return self.plain[members[0]]
            return self.jurisdiction(self.choose(members, members, prefer), members, members)
        if label == MIXED:
            covering, interior = self.covering_at(lon, lat, grid.slot(cell))
            if covering:
                return self.jurisdiction(self.choose(covering, interior, prefer), covering, interior)
        elif label == FAR:
            return None
        near, metres = self.nearest_within(np.array([lon], dtype=float), np.array([lat], dtype=float), within_m)
        return None if near[0] < 0 else self.jurisdiction(int(near[0]), snapped_m=float(metres[0]))

    # -- many points: arrays in, arrays out; Python objects only for the rare hard cases --

    def lookup_many(self, lons, lats, within_m, finer=None, finer_chosen=None) -> "LevelAnswers":
        grid, rings = self.grid, self.rings
        n = len(lons)
        answers = LevelAnswers(self, n)
        chosen, special = answers.chosen, answers.special
        kind = np.empty(n, dtype=np.int8)
        classify(
            lons, lats, grid.x0, grid.y0, grid.size, grid.nx, grid.ny, grid.labels, self.set_size, self.set_first,
            grid.mixed_cells, grid.mixed_rows, grid.cand_offsets, grid.cand_polys, rings.cand_bands, rings.band_offsets,
            rings.band_runs, rings.xy, chosen, kind,
        )  # fmt: skip
        answers.plain[:] = kind == K_PLAIN

        def prefer(k):
            if finer is None or finer_chosen[k] < 0:
                return None
            return finer.parent_codes[finer_chosen[k]]

        unresolved = [np.flatnonzero(kind == K_NEAR)]
        missed = []
        for k in np.flatnonzero(kind == K_COMPLEX).tolist():
            lon, lat = float(lons[k]), float(lats[k])
            cell = grid.cell(lon, lat)
            label = self.labels[cell]
            if label > 0:  # inside overlapping polygons
                covering = interior = grid.sets[label]
            else:
                covering, interior = self.covering_at(lon, lat, grid.slot(cell))
                if not covering:
                    missed.append(k)
                    continue
            i = self.choose(covering, interior, prefer(k))
            chosen[k], special[k] = i, self.jurisdiction(i, covering, interior)
        unresolved.append(np.array(missed, dtype=np.int64))
        unresolved = np.sort(np.concatenate(unresolved))
        if within_m > 0 and len(unresolved):
            near, metres = self.nearest_within(lons[unresolved], lats[unresolved], within_m)
            for k, g, m in zip(unresolved.tolist(), near.tolist(), metres.tolist()):
                if g >= 0:
                    chosen[k], special[k] = g, self.jurisdiction(g, snapped_m=m)
        return answers
