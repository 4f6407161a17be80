"""Whether a coarser level's polygons are exactly the unions of the finer level's, by parent code.

The matcher's test (GEOS's) counts a ray's crossings of a polygon's segments, odd inside. Crossing
counts add up over segments, so if every coarse polygon's segments are, taken modulo 2, exactly
its children's segments (internal edges, shared by two children, cancel), then for any point on
no child's segment the coarse polygon's parity is the sum of its children's parities. A point
strictly inside exactly one child (the matcher's plain answer) is therefore strictly inside that
child's parent and outside every other coarse polygon: the coarse answer follows from the fine one
without a test, and is the same answer the coarse level's own test gives.

The check compares the segments exactly (the same doubles), so the levels `make load` dissolves from
the subdistricts pass it, and anything else (a level imported from another source, a vertex moved
by a rounding) fails it and is matched on its own, as before.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit

from .rings import Rings

_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Outline:
    """What the check reads of a level: its codes, its parents' codes and its vertices (as in
    `Rings`), available before the level's grid is built."""

    codes: Sequence
    parent_codes: Sequence
    xy: np.ndarray
    ring_offsets: np.ndarray
    part_offsets: np.ndarray
    geom_offsets: np.ndarray
    bounds: np.ndarray

    @classmethod
    def of(cls, index) -> "Outline":
        r = index.rings
        return cls(index.codes, index.parent_codes, r.xy, r.ring_offsets, r.part_offsets, r.geom_offsets, r.bounds)


@njit(cache=True, nogil=True, inline="always")
def _canonical(xy, i):
    """Segment i's endpoints (i, i + 1), the lexicographically smaller first."""
    x1, y1, x2, y2 = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
    if x2 < x1 or (x2 == x1 and y2 < y1):
        return x2, y2, x1, y1
    return x1, y1, x2, y2


@njit(cache=True, nogil=True, inline="always")
def _hash(bits, i, mask):
    # Order-free mix of the four doubles' bits: a segment hashes the same in either direction.
    a = bits[i, 0] * _MIX + bits[i, 1]
    b = bits[i + 1, 0] * _MIX + bits[i + 1, 1]
    return ((a ^ b) * _MIX + (a + b)) >> np.uint64(20) & mask


@njit(cache=True, nogil=True)
def _insert(refs, srcs, counts, used, n_used, xy_c, bits_c, xy_f, bits_f, src, i, mask):
    """Add segment i of `src` (0: coarse, 1: fine) to the table; returns the new n_used."""
    xy = xy_c if src == 0 else xy_f
    bits = bits_c if src == 0 else bits_f
    key = _canonical(xy, i)
    slot = _hash(bits, i, mask)
    while True:
        ref = refs[slot]
        if ref < 0:
            refs[slot] = i
            srcs[slot] = src
            counts[slot, 0] = 0
            counts[slot, 1] = 0
            counts[slot, src] += 1
            used[n_used] = slot
            return n_used + 1
        other = _canonical(xy_c if srcs[slot] == 0 else xy_f, ref)
        if other == key:
            counts[slot, src] += 1
            return n_used
        slot = (slot + np.uint64(1)) & mask


@njit(cache=True, nogil=True)
def _check(xy_c, bits_c, seg_c, seg_c_off, xy_f, bits_f, seg_f, seg_f_off, kids_off, kids, capacity):
    """Per coarse polygon: True if its segments equal its children's modulo 2 (and none twice)."""
    n = len(kids_off) - 1
    ok = np.zeros(n, dtype=np.bool_)
    refs = np.full(capacity, -1, dtype=np.int64)
    srcs = np.zeros(capacity, dtype=np.int8)
    counts = np.zeros((capacity, 2), dtype=np.int32)
    used = np.empty(capacity, dtype=np.int64)
    mask = np.uint64(capacity - 1)
    for g in range(n):
        n_used = 0
        for s in range(seg_c_off[g], seg_c_off[g + 1]):
            n_used = _insert(refs, srcs, counts, used, n_used, xy_c, bits_c, xy_f, bits_f, 0, seg_c[s], mask)
        for k in range(kids_off[g], kids_off[g + 1]):
            for s in range(seg_f_off[kids[k]], seg_f_off[kids[k] + 1]):
                n_used = _insert(refs, srcs, counts, used, n_used, xy_c, bits_c, xy_f, bits_f, 1, seg_f[s], mask)
        good = kids_off[g + 1] > kids_off[g]
        for u in range(n_used):
            slot = used[u]
            if counts[slot, 0] > 1 or counts[slot, 0] != counts[slot, 1] % 2:
                good = False
            refs[slot] = -1
        ok[g] = good
    return ok


def _segments(rings: Rings | Outline) -> tuple[np.ndarray, np.ndarray]:
    """(segment ids, CSR offsets per polygon): segment i joins vertex i to i + 1 in one ring."""
    ring_offsets = np.asarray(rings.ring_offsets)
    ring_of_vertex = np.repeat(np.arange(len(ring_offsets) - 1), np.diff(ring_offsets))
    segs = np.flatnonzero(ring_of_vertex[:-1] == ring_of_vertex[1:])
    # A polygon's vertices are contiguous: its segments are those between its first and last vertex.
    first_vertex = ring_offsets[np.asarray(rings.part_offsets)[np.asarray(rings.geom_offsets)]]
    return segs, np.searchsorted(segs, first_vertex)


def exact_parents(fine_rings: Rings | Outline, parent_of: np.ndarray, coarse_rings: Rings | Outline) -> np.ndarray:
    """Per coarse polygon: whether it is exactly the union of the fine polygons whose
    `parent_of` names it (an index into the coarse level; -1: none)."""
    parent_of = np.asarray(parent_of, dtype=np.int64)
    n_coarse = len(coarse_rings.geom_offsets) - 1
    has_parent = parent_of >= 0
    order = np.argsort(parent_of[has_parent], kind="stable")
    kids = np.flatnonzero(has_parent)[order]
    kids_off = np.zeros(n_coarse + 1, dtype=np.int64)
    kids_off[1:] = np.cumsum(np.bincount(parent_of[has_parent], minlength=n_coarse))
    seg_c, seg_c_off = _segments(coarse_rings)
    seg_f, seg_f_off = _segments(fine_rings)
    per_fine = np.diff(seg_f_off)
    per_group = np.diff(seg_c_off) + np.bincount(parent_of[has_parent], per_fine[has_parent], minlength=n_coarse)
    capacity = 1 << max(4, int(2 * per_group.max(initial=1)).bit_length())
    xy_c = np.ascontiguousarray(coarse_rings.xy)
    xy_f = np.ascontiguousarray(fine_rings.xy)
    return _check(
        xy_c, xy_c.view(np.uint64), seg_c, seg_c_off, xy_f, xy_f.view(np.uint64), seg_f, seg_f_off,
        kids_off, kids, capacity,
    )  # fmt: skip


def derivations(fine: Outline, coarse: Outline) -> np.ndarray:
    """Per polygon of the `fine` level: its parent's index in `coarse` where a point strictly
    inside it alone is, exactly, strictly inside that parent alone; -1 where the coarse level must
    test. A parent that is not its children's exact union (a dissolve that had to node and round,
    as a few of Bangkok's did) is never derived, nor is any child whose box meets such a parent's
    box (that parent might cover some of its points)."""
    code_index = {code: i for i, code in enumerate(coarse.codes)}
    parent_of = np.array([code_index.get(code, -1) for code in fine.parent_codes], dtype=np.int64)
    exact = exact_parents(fine, parent_of, coarse)
    derive = np.where(parent_of >= 0, parent_of, -1)
    derive[parent_of >= 0] = np.where(exact[parent_of[parent_of >= 0]], parent_of[parent_of >= 0], -1)
    inexact = np.flatnonzero(~exact)
    if len(inexact):
        # Every coarse polygon that may cover a point of a child has a box meeting the child's box.
        tree = shapely.STRtree(shapely.box(*np.asarray(coarse.bounds)[inexact].T))
        near, _ = tree.query(shapely.box(*np.asarray(fine.bounds).T))
        derive[np.unique(near)] = -1
    return derive.astype(np.int32)
