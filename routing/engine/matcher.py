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

import numpy as np

from .answers import BatchAnswers, LevelAnswers, Match
from .crossing import exact_state
from .grid import MAX_WITHIN_M
from .level import LevelIndex
from .nesting import Outline, derivations

FINEST_FIRST = ["subdistrict", "district", "province"]
DEFAULT_WITHIN_M = 50.0
PLAIN_MATCHES_KEPT = 100_000  # distinct label combinations remembered (the country has about 8,000)
# Finer cells where polygons are small: Bangkok's khwaeng need ~215 m cells for most points to
# skip polygon tests (the trade-off against memory is measured in docs/matcher.md).
CELL_BY_LEVEL = {"subdistrict": 1 / 512, "district": 1 / 256, "province": 1 / 128}


def nested(finer: str, coarser: str) -> bool:
    """Whether the finer level's parent codes name the coarser level's polygons (subdistrict ->
    district -> province; a matcher of provinces and subdistricts alone skips a level)."""
    return FINEST_FIRST.index(coarser) == FINEST_FIRST.index(finer) + 1


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
                derivations(Outline.of(finer), Outline.of(index)) if nested(finer.level, index.level) else None
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
        key, cell_labels = None, []
        for _, x0, y0, size, nx, ny, labels, _ in self._cells:
            ix = int((lon - x0) // size)
            iy = int((lat - y0) // size)
            if not (0 <= ix < nx and 0 <= iy < ny):
                break
            cell_labels.append(labels[iy * nx + ix])
        else:
            known = self._plain_matches.get(key := tuple(cell_labels))
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
            if key is not None and len(self._plain_matches) < PLAIN_MATCHES_KEPT:
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
