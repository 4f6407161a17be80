"""Topology-preserving simplification of polygon coverages, nested levels at once (numpy + GEOS).

Simplifying each polygon on its own (ST_SimplifyPreserveTopology) moves a shared border differently
on its two sides and opens slivers between neighbours. Here every ring is cut into chains at the
nodes of the coverage (where the set of polygons sharing the border changes); each chain is stored
once, simplified once (Douglas-Peucker, endpoints fixed, GEOS's topology-preserving variant so a
chain never crosses itself) and rounded once, and every ring is rebuilt from the same chains. So
neighbours keep one common border, and coarser levels dissolved from the finest (districts and
provinces from subdistricts) are rebuilt from the very same chains and nest exactly.

Two chains that cross after simplification (a narrow spot) fall back to their original vertices,
as do the chains of any polygon that would not come out valid; the report counts both. PostGIS 3.4
has ST_CoverageSimplify (GEOS 3.12, Visvalingam-Whyatt); this database has 3.3, and on these
boundaries Douglas-Peucker keeps the shape closer for the same number of vertices.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import GeometryType


@dataclass
class Report:
    vertices_before: int = 0
    vertices_after: int = 0
    chains: int = 0
    chains_kept_original: int = 0
    vertices_kept_original: int = 0
    repaired: int = 0
    levels: dict = field(default_factory=dict)


def _vertex_ids(coords: np.ndarray) -> np.ndarray:
    """Equal coordinates (to within a nanodegree) get equal ids; ids follow (x, y) order."""
    low = coords.min(axis=0)
    span = coords.max(axis=0) - low
    quantum = max(1e-9, float(np.sqrt((span[0] + 1e-9) * (span[1] + 1e-9) / 4e18)))
    xi = np.rint((coords[:, 0] - low[0]) / quantum).astype(np.int64)
    yi = np.rint((coords[:, 1] - low[1]) / quantum).astype(np.int64)
    _, inverse = np.unique(xi * (int(yi.max()) + 1) + yi, return_inverse=True)
    return inverse.astype(np.int64).ravel()


def _dedupe_runs(coords: np.ndarray) -> np.ndarray:
    """Drops consecutive repeated points (rounding can make neighbours coincide)."""
    if len(coords) < 2:
        return coords
    keep = np.r_[True, np.any(coords[1:] != coords[:-1], axis=1)]
    return coords[keep]


def _polygonal(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.MultiPolygon([q for p in parts for q in shapely.get_parts(p)])


class _Coverage:
    """All rings of all levels in one coordinate table, cut into shared chains."""

    def __init__(self, levels):
        self.raggeds = []
        for geoms in levels:
            kind, coords, offsets = shapely.to_ragged_array(np.asarray(geoms, dtype=object))
            if kind == GeometryType.POLYGON:  # all single polygons: one polygon per multipolygon
                rings, polys = offsets
                kind, offsets = GeometryType.MULTIPOLYGON, (rings, polys, np.arange(len(polys)))
            if kind != GeometryType.MULTIPOLYGON:
                raise ValueError(f"polygons expected, got {kind!r}")
            self.raggeds.append((coords, offsets))
        starts, level_of_ring, base = [], [], 0
        for number, (coords, (rings, _, _)) in enumerate(self.raggeds):
            starts.append(rings[:-1] + base)
            level_of_ring.append(np.full(len(rings) - 1, number))
            base += len(coords)
        self.coords = np.concatenate([c for c, _ in self.raggeds])
        self.ring_start = np.concatenate(starts).astype(np.int64)
        self.ring_end = np.r_[self.ring_start[1:], base].astype(np.int64)  # exclusive; last point closes
        self.ring_level = np.concatenate(level_of_ring)
        self.vid = _vertex_ids(self.coords)
        self._find_nodes()
        self._cut_chains()

    def _find_nodes(self):
        vid, nring = self.vid, len(self.ring_start)
        nv = int(vid.max()) + 1
        lengths = self.ring_end - self.ring_start
        seg_ring = np.repeat(np.arange(nring), lengths - 1)
        is_seg = np.ones(len(vid), bool)
        is_seg[self.ring_end - 1] = False
        seg_pos = np.flatnonzero(is_seg)
        a, b = vid[seg_pos], vid[seg_pos + 1]
        seg_key = np.minimum(a, b) * nv + np.maximum(a, b)
        node = np.zeros(nv, bool)
        # A vertex where borders meet from three or more directions is a node on every level.
        keys, sid = np.unique(seg_key, return_inverse=True)
        sid = sid.ravel()
        degree = np.bincount(keys // nv, minlength=nv) + np.bincount(keys % nv, minlength=nv)
        node |= degree > 2
        # Per level: a vertex where the set of polygons sharing the border changes.
        for level in np.unique(self.ring_level):
            mask = self.ring_level[seg_ring] == level
            rings, ids = seg_ring[mask], sid[mask]
            count = np.bincount(ids, minlength=len(keys))
            low = np.full(len(keys), nring)
            np.minimum.at(low, ids, rings)
            high = np.full(len(keys), -1)
            np.maximum.at(high, ids, rings)
            sig = (count[ids] * (nring + 1) + low[ids]) * (nring + 1) + high[ids]
            first = np.flatnonzero(np.r_[True, rings[1:] != rings[:-1]])
            last = np.r_[first[1:], len(rings)] - 1
            previous = np.r_[sig[-1], sig[:-1]]
            previous[first] = sig[last]
            node[vid[seg_pos[mask][sig != previous]]] = True
        self.is_node = node[vid]
        self.is_node[self.ring_end - 1] = False  # the closing point repeats the first

    def _cut_chains(self):
        vid, nv = self.vid, int(self.vid.max()) + 1
        canon: dict[tuple, int] = {}
        self.chain_positions: list[np.ndarray] = []
        self.chain_levels: list[int] = []  # bit mask of the levels using the chain
        self.ring_chains: list[list[tuple[int, bool]]] = []
        for ring, (start, end) in enumerate(zip(self.ring_start, self.ring_end)):
            nodes = np.flatnonzero(self.is_node[start : end - 1])
            if len(nodes) == 0:  # an island or enclave: one closed chain from its smallest vertex
                nodes = np.array([int(np.argmin(vid[start : end - 1]))])
            first = nodes[0]
            rotated = np.r_[np.arange(start + first, end - 1), np.arange(start, start + first), start + first]
            cuts = np.r_[nodes - first, len(rotated) - 1]
            pieces = []
            bit = 1 << int(self.ring_level[ring])
            for i in range(len(cuts) - 1):
                positions = rotated[cuts[i] : cuts[i + 1] + 1]
                va, vb, vy, vz = vid[positions[0]], vid[positions[1]], vid[positions[-2]], vid[positions[-1]]
                k1 = min(va, vb) * nv + max(va, vb)
                k2 = min(vy, vz) * nv + max(vy, vz)
                key = (min(k1, k2), max(k1, k2), len(positions))
                chain = canon.get(key)
                if chain is None:
                    chain = canon[key] = len(self.chain_positions)
                    self.chain_positions.append(positions)
                    self.chain_levels.append(bit)
                    pieces.append((chain, False))
                else:
                    stored = self.chain_positions[chain]
                    self.chain_levels[chain] |= bit
                    pieces.append((chain, not (vid[stored[0]] == va and vid[stored[1]] == vb)))
            self.ring_chains.append(pieces)

    def chain_lines(self) -> np.ndarray:
        lengths = np.array([len(p) for p in self.chain_positions])
        points = self.coords[np.concatenate(self.chain_positions)]
        return shapely.linestrings(points, indices=np.repeat(np.arange(len(lengths)), lengths))

    def assemble(self, chain_coords: list[np.ndarray]) -> list[np.ndarray]:
        """Every level's multipolygons rebuilt from the chains' coordinates; collapsed rings dropped."""
        out, ring_base = [], 0
        for _, (rings, polys, multis) in self.raggeds:
            nrings = len(rings) - 1
            built = []
            for ring in range(ring_base, ring_base + nrings):
                parts = []
                for chain, backwards in self.ring_chains[ring]:
                    piece = chain_coords[chain]
                    parts.append((piece[::-1] if backwards else piece)[:-1])
                closed = _dedupe_runs(np.concatenate(parts))
                built.append(np.vstack([closed, closed[:1]]) if len(closed) >= 3 else None)
            ring_base += nrings
            geoms = []
            for m in range(len(multis) - 1):
                polygons = []
                for p in range(multis[m], multis[m + 1]):
                    shell, holes = built[polys[p]], [built[r] for r in range(polys[p] + 1, polys[p + 1])]
                    if shell is not None:
                        polygons.append(shapely.Polygon(shell, [h for h in holes if h is not None]))
                geoms.append(shapely.MultiPolygon(polygons) if polygons else None)
            out.append(np.array(geoms, dtype=object))
        return out


def _meet_inside(lines, left, right):
    """Whether each pair of lines meets anywhere but at their end points."""
    meet = shapely.intersection(lines[left], lines[right])
    ends = np.stack(
        [shapely.get_coordinates(shapely.get_point(lines[side], at)) for side in (left, right) for at in (0, -1)],
        axis=1,
    )  # (pairs, 4, 2)
    ends = shapely.multipoints(ends.reshape(-1, 2), indices=np.repeat(np.arange(len(left)), 4))
    return ~shapely.is_empty(shapely.difference(meet, ends))


def _crossing_chains(lines, originals, levels, candidates) -> np.ndarray:
    """Chains (among candidates) that now meet another chain of one of their levels anywhere but at
    their ends, where the original chains did not (the data's own overlaps are not ours to fix)."""
    tree = shapely.STRtree(lines)
    left, right = tree.query(lines[candidates], predicate="intersects")
    left = candidates[left]
    keep = (left != right) & ((levels[left] & levels[right]) != 0)
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return np.array([], dtype=np.int64)
    bad = _meet_inside(lines, left, right)
    left, right = left[bad], right[bad]
    new = ~_meet_inside(originals, left, right)
    return np.unique(np.r_[left[new], right[new]])


def simplify_coverage(levels, tolerance: float, precision: int):
    """Simplifies nested polygon layers (finest first) together; returns (arrays of multipolygons, Report).

    tolerance: Douglas-Peucker distance in the coordinates' units; precision: decimals kept.
    """
    levels = [np.asarray(g, dtype=object) for g in levels]
    report = Report(vertices_before=int(sum(shapely.get_num_coordinates(g).sum() for g in levels)))
    cov = _Coverage(levels)
    report.chains = len(cov.chain_positions)
    originals = cov.chain_lines()
    simplified = shapely.simplify(originals, tolerance, preserve_topology=True)

    def rounded(lines):
        coords, index = shapely.get_coordinates(lines, return_index=True)
        coords = np.round(coords, precision)
        bounds = np.r_[0, np.cumsum(np.bincount(index, minlength=len(lines)))]
        return [_dedupe_runs(coords[bounds[i] : bounds[i + 1]]) for i in range(len(lines))]

    original_coords = rounded(originals)
    chain_coords = rounded(simplified)
    lines = np.array(
        [shapely.LineString(c) if len(c) >= 2 else shapely.LineString([c[0], c[0]]) for c in chain_coords],
        dtype=object,
    )
    levels_mask = np.array(cov.chain_levels)
    kept = np.zeros(len(lines), bool)  # chains put back to their original vertices
    candidates = np.arange(len(lines))
    for _ in range(10):
        crossing = _crossing_chains(lines, originals, levels_mask, candidates)
        crossing = crossing[~kept[crossing]]
        if len(crossing) == 0:
            break
        kept[crossing] = True
        for chain in crossing:
            chain_coords[chain] = original_coords[chain]
            lines[chain] = shapely.LineString(original_coords[chain])
        candidates = crossing
    owners = [[] for _ in lines]  # chain -> (level, geometry index) using it
    ring_owner = []
    for number, (_, (_, polys, multis)) in enumerate(cov.raggeds):
        poly_of_ring = np.repeat(np.arange(len(polys) - 1), np.diff(polys))
        multi_of_poly = np.repeat(np.arange(len(multis) - 1), np.diff(multis))
        ring_owner += [(number, int(m)) for m in multi_of_poly[poly_of_ring]]
    for ring, pieces in enumerate(cov.ring_chains):
        for chain, _ in pieces:
            owners[chain].append(ring_owner[ring])
    chains_of = {}
    for chain, owned in enumerate(owners):
        for owner in owned:
            chains_of.setdefault(owner, set()).add(chain)
    for _ in range(3):
        out = cov.assemble(chain_coords)
        invalid = [
            (number, int(i))
            for number, geoms in enumerate(out)
            for i in np.flatnonzero([g is None or not g.is_valid for g in geoms])
        ]
        if not invalid:
            break
        for owner in invalid:
            for chain in chains_of[owner]:
                kept[chain] = True
                chain_coords[chain] = original_coords[chain]
    for number, geoms in enumerate(out):
        for i, geom in enumerate(geoms):
            if geom is None or not geom.is_valid:
                geoms[i] = _polygonal(shapely.make_valid(shapely.set_precision(levels[number][i], 10.0**-precision)))
                report.repaired += 1
    report.chains_kept_original = int(kept.sum())
    report.vertices_kept_original = int(sum(len(original_coords[c]) for c in np.flatnonzero(kept)))
    for number, (before, after) in enumerate(zip(levels, out)):
        report.levels[number] = tuple(int(shapely.get_num_coordinates(g).sum()) for g in (before, after))
    report.vertices_after = int(sum(after for _, after in report.levels.values()))
    return out, report
