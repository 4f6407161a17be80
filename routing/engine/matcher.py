"""Point -> every jurisdiction that covers it, in memory, for one snapshot of the active generations.

Semantics (the same as PostGIS ST_Covers, tested against it):
- A point on a polygon's boundary is covered by it. A point on an edge shared by two polygons is
  covered by both; the answer picks one deterministically and says `on_boundary: true`, with the
  other codes in `ties`. Tie-break: a polygon whose interior holds the point, then the parent of
  the finer level's answer (so the levels nest), then the lowest code.
- A point covered by nothing at a level, but within `within_m` metres (default 50, at most 1,000)
  of a polygon, is snapped to the nearest one and `snapped_m` says how far it was.
- Otherwise the level is unmatched and the result says why.
The batch path gives exactly the answers of the single path; tests hold both to it.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely

from .answers import BatchAnswers, LevelAnswers
from .crossing import EXTERIOR, INTERIOR, K_COMPLEX, K_NEAR, K_PLAIN, UNCERTAIN, candidate_states, classify, exact_state
from .grid import FAR, M_PER_DEGREE, MAX_WITHIN_M, MIXED, Grid, build_grid
from .nesting import Outline, derivations
from .rings import Rings, build_rings, vertices

FINEST_FIRST = ["subdistrict", "district", "province"]
DEFAULT_WITHIN_M = 50.0
PLAIN_MATCHES_KEPT = 100_000  # distinct label combinations remembered (the country has about 8,000)
DEFAULT_CELL_DEG = 1 / 256  # ~430 m
# Finer cells where polygons are small: Bangkok's khwaeng need ~215 m cells for most points to
# skip polygon tests (the trade-off against memory is measured in docs/matcher.md).
CELL_BY_LEVEL = {"subdistrict": 1 / 512, "district": 1 / 256, "province": 1 / 128}


@dataclass(slots=True)
class Jurisdiction:
    level: str
    code: str
    name_th: str
    name_en: str
    generation: int
    on_boundary: bool = False
    snapped_m: float | None = None
    ties: tuple = ()

    def as_dict(self) -> dict:
        out = {
            "code": self.code,
            "name_th": self.name_th,
            "name_en": self.name_en,
            "generation": self.generation,
            "on_boundary": self.on_boundary,
        }
        if self.snapped_m is not None:
            out["snapped_m"] = self.snapped_m
        if self.ties:
            out["ties"] = list(self.ties)
        return out


@dataclass(slots=True)
class Match:
    status: str  # matched | snapped | unmatched
    jurisdictions: dict = field(default_factory=dict)  # level -> Jurisdiction
    reason: str | None = None

    @property
    def on_boundary(self) -> bool:
        return any(j.on_boundary for j in self.jurisdictions.values())

    @property
    def snapped_m(self) -> float | None:
        distances = [j.snapped_m for j in self.jurisdictions.values() if j.snapped_m is not None]
        return max(distances) if distances else None


def nested(finer, coarser) -> bool:
    """Whether the finer level's parent codes name the coarser level's polygons (subdistrict ->
    district -> province; a matcher of provinces and subdistricts alone skips a level)."""
    return FINEST_FIRST.index(coarser.level) == FINEST_FIRST.index(finer.level) + 1


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
        grid = build_grid(geoms, shapely.STRtree(geoms), cell, codes, *arrays[:2])
        rings = build_rings(geoms, grid, arrays)
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


class Matcher:
    """An immutable snapshot: build a new one for a new generation, then swap the reference."""

    def __init__(self, levels: list[LevelIndex], generations: dict, derive: list | None = None):
        """`derive[n]`: per polygon of level n - 1, the polygon of level n that a point strictly inside
        it alone lies strictly inside alone (-1: test), or None; computed here when not given."""
        # Finest level first, so coarser levels can prefer the parent of the finer answer.
        self.levels = sorted(levels, key=lambda lv: FINEST_FIRST.index(lv.level))
        self.generations = dict(generations)
        if derive is None:
            derive = [None] + [
                derivations(Outline.of(finer), Outline.of(index)) if nested(finer, index) else None
                for finer, index in zip(self.levels, self.levels[1:])
            ]
        self.derive = derive
        # A point inside one finest polygon whose parents all follow from it: one shared answer.
        self._by_finest = self._derived_matches()
        self.path = None  # the stored index this one maps, if any (store.py)
        self._plain_matches = {}  # the labels' tuple -> the Match of a point inside one polygon per level
        self._cells = [
            (lv, lv.grid.x0, lv.grid.y0, lv.grid.size, lv.grid.nx, lv.grid.ny, lv.labels, lv.grid.sets)
            for lv in self.levels
        ]

    def _derived_matches(self) -> list | None:
        if not self.levels or any(d is None for d in self.derive[1:]):
            return None
        chains = np.arange(len(self.levels[0]))[None, :].repeat(len(self.levels), axis=0)
        for n, derive in enumerate(self.derive[1:], start=1):
            below = chains[n - 1]
            chains[n] = np.where(below >= 0, np.asarray(derive)[np.maximum(below, 0)], -1)
        complete = (chains >= 0).all(axis=0)
        return [
            Match("matched", {lv.level: lv.plain[i] for lv, i in zip(self.levels, chains[:, k].tolist())})
            if complete[k]
            else None
            for k in range(chains.shape[1])
        ]

    def warm(self):
        """Compile (or load from numba's cache) the kernels now, not on the first request."""
        for index in self.levels:
            index.lookup_many(np.zeros(1), np.zeros(1), 0.0)
            if len(index.grid.cand_offsets) > 1:
                index.covering_at(0.0, 0.0, 0)  # any point: only the compiled code is wanted
            rings = index.rings
            exact_state(0.0, 0.0, rings.band_runs, 0, 0, rings.xy)
        return self

    @property
    def generation(self):
        return self.generations.get("admin")

    @property
    def nbytes(self) -> int:
        return sum(lv.grid.nbytes + lv.rings.nbytes for lv in self.levels)

    def lookup(self, lon: float, lat: float, within_m: float = DEFAULT_WITHIN_M) -> Match:
        within_m = min(float(within_m), MAX_WITHIN_M)
        if self._by_finest is not None:
            # Most points lie in a cell inside one finest polygon, whose parents follow from it.
            _, x0, y0, size, nx, ny, labels, sets = self._cells[0]
            ix = int((lon - x0) // size)
            iy = int((lat - y0) // size)
            if 0 <= ix < nx and 0 <= iy < ny:
                label = labels[iy * nx + ix]
                if label > 0 and len(members := sets[label]) == 1:
                    known = self._by_finest[members[0]]
                    if known is not None:
                        return known
        # Otherwise most points lie in cells inside one polygon at every level (or follow from the
        # finest one's): their answer depends on the cells' labels only, and is made once per
        # combination of labels (read-only, shared).
        key = []
        for _, x0, y0, size, nx, ny, labels, _ in self._cells:
            ix = int((lon - x0) // size)
            iy = int((lat - y0) // size)
            if not (0 <= ix < nx and 0 <= iy < ny):
                break
            key.append(labels[iy * nx + ix])
        else:
            known = self._plain_matches.get(key := tuple(key))
            if known is not None:
                return known
        found = {}
        prefer = None
        plain = 0  # levels whose answer the cells' labels decide
        inside = -1  # the finer level's polygon, if the point is strictly inside it alone
        for n, (index, x0, y0, size, nx, ny, labels, sets) in enumerate(self._cells):
            derive = self.derive[n]
            if inside >= 0 and derive is not None and (i := int(derive[inside])) >= 0:
                found[index.level] = index.plain[i]
                prefer = index.parent_codes[i]
                plain += plain == n  # decided by the labels if the finer answer was
                inside = i
                continue
            inside = -1
            # The common case inlined: a cell inside exactly one polygon.
            ix = int((lon - x0) // size)
            iy = int((lat - y0) // size)
            if 0 <= ix < nx and 0 <= iy < ny:
                label = labels[iy * nx + ix]
                if label > 0:
                    members = sets[label]
                    if len(members) == 1:
                        i = members[0]
                        found[index.level] = index.plain[i]
                        prefer = index.parent_codes[i]
                        plain += 1
                        inside = i
                        continue
            j = index.lookup(lon, lat, within_m, prefer)
            if j is None:
                prefer = None
                continue
            found[index.level] = j
            i = index.code_index[j.code]
            prefer = index.parent_codes[i]
            if j is index.plain[i]:
                inside = i
        if plain == len(self.levels) and plain:
            match = Match("matched", found)
            if isinstance(key, tuple) and len(self._plain_matches) < PLAIN_MATCHES_KEPT:
                self._plain_matches[key] = match
            return match
        return self.result(found)

    def lookup_many(self, lons, lats, within_m: float = DEFAULT_WITHIN_M) -> BatchAnswers:
        lons = np.ascontiguousarray(lons, dtype=float)
        lats = np.ascontiguousarray(lats, dtype=float)
        within_m = min(float(within_m), MAX_WITHIN_M)
        answers = []
        finer = None
        for index, derive in zip(self.levels, self.derive):
            if finer is None or derive is None:
                level_answers = index.lookup_many(lons, lats, within_m, finer and finer.index, finer and finer.chosen)
            else:
                level_answers = self._derived(index, derive, lons, lats, within_m, finer)
            answers.append(level_answers)
            finer = level_answers
        return BatchAnswers(self, answers, len(lons))

    @staticmethod
    def _derived(index, derive, lons, lats, within_m, finer: LevelAnswers) -> LevelAnswers:
        """A coarser level's answers: followed from the finer ones where exact, tested elsewhere."""
        n = len(lons)
        out = LevelAnswers(index, n)
        parent = np.where(finer.plain, np.asarray(derive)[np.maximum(finer.chosen, 0)], -1)
        derived = parent >= 0
        out.chosen[derived] = parent[derived]
        out.plain[derived] = True
        rest = np.flatnonzero(~derived)
        if len(rest):
            tested = index.lookup_many(lons[rest], lats[rest], within_m, finer.index, finer.chosen[rest])
            out.chosen[rest] = tested.chosen
            out.plain[rest] = tested.plain
            out.special = {int(rest[k]): j for k, j in tested.special.items()}
        return out

    def result(self, found: dict) -> Match:
        if not found:
            return Match("unmatched", {}, "outside every boundary: at sea or outside Thailand")
        missing = [index.level for index in self.levels if index.level not in found]
        if missing:
            return Match("unmatched", found, f"in a gap between boundaries at level(s): {', '.join(missing)}")
        if any(j.snapped_m is not None for j in found.values()):
            return Match("snapped", found)
        return Match("matched", found)
