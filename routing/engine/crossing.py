"""Where a point lies against a polygon, from the polygon's segments in the point's grid row.

The test is GEOS's RayCrossingCounter (the one PostGIS and shapely use): count the segments a
horizontal ray from the point crosses; a point on a segment is on the boundary. GEOS decides each
segment's side with an exact predicate; here a floating-point determinant decides it when an error
bound proves its sign (Shewchuk's filter), which is all but a handful of points exactly on or
within rounding of an edge. For those the kernel answers UNCERTAIN and `exact_state` decides in
rational arithmetic, so answers equal GEOS's without exception.

Compiled with numba (cached on disk beside this module; `Matcher.warm` loads it before serving): the batch kernel
routes a million points in milliseconds, and the single-point path calls the same code.
"""

import math

import numpy as np
from numba import njit

EXTERIOR, INTERIOR, BOUNDARY, UNCERTAIN = 0, 1, 2, 3
# Point kinds from the batch kernel.
K_NONE, K_PLAIN, K_COMPLEX, K_NEAR = 0, 1, 2, 3
FAR, NEAR = 0, -1  # labels, as in grid.py (the other one: MIXED)
# Larger than Shewchuk's (3 + 16e)e ~ 3.3e-16 for orient2d: a sign passing it is certain.
ERRBOUND = 1e-15


@njit(cache=True, nogil=True, inline="always")
def _state(px, py, band_runs, lo, hi, xy):
    crossings = 0
    uncertain = False
    for t in range(lo, hi):  # runs of consecutive segments: sequential reads
        for i in range(band_runs[t, 0], band_runs[t, 1]):
            x1, y1, x2, y2 = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
            # GEOS's tests in an order that skips most segments on the first, well-predicted branch
            # (the answers are the same: a skipped segment could not be a boundary or a crossing).
            if y2 == py:
                if x2 == px:
                    return BOUNDARY
                if y1 == py:
                    if min(x1, x2) <= px <= max(x1, x2):
                        return BOUNDARY
                    continue
            if (y1 > py) == (y2 > py):
                continue
            if x1 < px and x2 < px:
                continue
            left = (x1 - px) * (y2 - py)
            right = (y1 - py) * (x2 - px)
            det = left - right
            if abs(det) <= ERRBOUND * (abs(left) + abs(right)):
                if left == 0.0 and right == 0.0:
                    return BOUNDARY  # both products exactly zero: exactly collinear
                uncertain = True
                continue
            if (det > 0) == (y2 > y1):
                crossings += 1
    if uncertain:
        return UNCERTAIN
    return INTERIOR if crossings & 1 else EXTERIOR


@njit(cache=True, nogil=True)
def candidate_states(px, py, slot, cand_offsets, cand_polys, cand_bands, band_offsets, band_runs, xy, out):
    """States of one mixed cell's candidates for one point, written as (polygon, state, band)
    rows of `out`; returns how many are not EXTERIOR."""
    n = 0
    for c in range(cand_offsets[slot], cand_offsets[slot + 1]):
        b = cand_bands[c]
        if b < 0:
            continue
        state = _state(px, py, band_runs, band_offsets[b], band_offsets[b + 1], xy)
        if state != EXTERIOR:
            out[n, 0] = cand_polys[c]
            out[n, 1] = state
            out[n, 2] = b
            n += 1
    return n


@njit(cache=True, nogil=True, inline="always")
def _rank(sorted_cells, lo, hi, cell):
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_cells[mid] < cell:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def classify(
    lons, lats, x0, y0, size, nx, ny, labels, set_size, set_first, mixed_cells, mixed_rows, cand_offsets, cand_polys,
    cand_bands, band_offsets, band_runs, xy, chosen, kind,
):  # fmt: skip
    """Per point: K_PLAIN (inside exactly one polygon, `chosen`), K_NONE (far from every polygon),
    K_NEAR (covered by none, snapping may reach one) or K_COMPLEX (overlaps, boundaries, or
    uncertain: decided per point by the caller)."""
    for k in range(len(lons)):
        px, py = lons[k], lats[k]
        fx = math.floor((px - x0) / size)
        fy = math.floor((py - y0) / size)
        if not (0 <= fx < nx and 0 <= fy < ny):
            kind[k] = K_NONE
            continue
        cell = int(fy) * nx + int(fx)
        label = labels[cell]
        if label > 0:
            if set_size[label] == 1:
                chosen[k] = set_first[label]
                kind[k] = K_PLAIN
            else:
                kind[k] = K_COMPLEX
            continue
        if label == FAR:
            kind[k] = K_NONE
            continue
        if label == NEAR:
            kind[k] = K_NEAR
            continue
        slot = _rank(mixed_cells, mixed_rows[int(fy)], mixed_rows[int(fy) + 1], cell)
        hits = 0
        first = -1
        first_state = EXTERIOR
        for c in range(cand_offsets[slot], cand_offsets[slot + 1]):
            b = cand_bands[c]
            if b < 0:
                continue
            state = _state(px, py, band_runs, band_offsets[b], band_offsets[b + 1], xy)
            if state == EXTERIOR:
                continue
            hits += 1
            if hits == 1:
                first, first_state = cand_polys[c], state
            else:
                break
        if hits == 0:
            kind[k] = K_NEAR
        elif hits == 1 and first_state == INTERIOR:
            chosen[k] = first
            kind[k] = K_PLAIN
        else:
            kind[k] = K_COMPLEX


@njit(cache=True, nogil=True)
def certain_crossings(px, py, band_runs, lo, hi, xy, unsure):
    """`_state`'s count over the segments whose side the filter proves; the others' ids go to
    `unsure`. Returns (crossings, how many unsure), or (-1, 0) on the boundary."""
    crossings = 0
    n = 0
    for t in range(lo, hi):  # runs of consecutive segments: sequential reads
        for i in range(band_runs[t, 0], band_runs[t, 1]):
            x1, y1, x2, y2 = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
            if y2 == py:
                if x2 == px:
                    return -1, 0
                if y1 == py:
                    if min(x1, x2) <= px <= max(x1, x2):
                        return -1, 0
                    continue
            if (y1 > py) == (y2 > py):
                continue
            if x1 < px and x2 < px:
                continue
            left = (x1 - px) * (y2 - py)
            right = (y1 - py) * (x2 - px)
            det = left - right
            if abs(det) <= ERRBOUND * (abs(left) + abs(right)):
                if left == 0.0 and right == 0.0:
                    return -1, 0
                unsure[n] = i
                n += 1
                continue
            if (det > 0) == (y2 > y1):
                crossings += 1
    return crossings, n


def _orientation(*coordinates) -> int:
    """The exact sign of orient2d: every double is an integer over a power of two, so all six
    scaled to one power are integers, and the determinant is computed in Python's integers."""
    ratios = [value.as_integer_ratio() for value in coordinates]
    shift = max(d.bit_length() for _, d in ratios)
    x1, y1, x2, y2, px, py = (n << (shift - d.bit_length()) for n, d in ratios)
    det = (x1 - px) * (y2 - py) - (y1 - py) * (x2 - px)
    return (det > 0) - (det < 0)


def exact_state(px, py, band_runs, lo, hi, xy) -> int:
    """The state `_state` could not decide: the filter's certain segments counted as there, the
    rest in exact integer arithmetic."""
    unsure = np.empty(int((band_runs[lo:hi, 1] - band_runs[lo:hi, 0]).sum()), dtype=np.int64)
    crossings, n = certain_crossings(px, py, band_runs, lo, hi, xy, unsure)
    if crossings < 0:
        return BOUNDARY
    for i in unsure[:n].tolist():
        x1, y1, x2, y2 = (float(v) for v in (xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]))
        orient = _orientation(x1, y1, x2, y2, px, py)
        if orient == 0:
            return BOUNDARY
        if y2 < y1:
            orient = -orient
        if orient == 1:
            crossings += 1
    return INTERIOR if crossings & 1 else EXTERIOR
