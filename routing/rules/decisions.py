"""Decisions computed once per key and reused, for files, batches and single requests.

A decision depends only on the point's jurisdictions, the local-government pick, the categories
and the directory (its rules version). The pick depends on the point itself only where
municipalities cover a subdistrict partly: then the nearest office wins, so the key holds which
candidate won. `choices` computes that pick for many points at once (numpy), exactly as
`responsibility.local_government` does one by one: where two offices are so close in distance
that floating-point rounding could order them differently, those rows are decided one by one.

The caches are fields of the Directory (routing.rules.caches), so a new directory (another rules
version) starts empty.
"""

import numpy as np

from .caches import Offices, bounded
from .responsibility import BANGKOK, MUNICIPAL_KINDS, Directory, decide, local_government

TIE_MARGIN = 1e-6  # metres: closer than this, two offices are ordered by the exact function


def partial_candidates(directory: Directory, subdistrict_code: str):
    """The candidates sorted by the static tie-break, where the pick depends on the point; else None."""
    if subdistrict_code.startswith(BANGKOK):
        return None
    entries = [(directory.local_units[code], how) for code, how in directory.coverage.get(subdistrict_code, ())]
    entries = [(u, how) for u, how in entries if u.kind != "pao"]
    if any(u.kind in MUNICIPAL_KINDS and how == "completely" for u, how in entries):
        return None
    partial = [(u, how) for u, how in entries if u.kind in MUNICIPAL_KINDS]
    if not partial:
        return None
    candidates = partial + [(u, "sao") for u, how in entries if u.kind == "sao"]
    return sorted(candidates, key=lambda e: (e[0].kind not in MUNICIPAL_KINDS, e[0].code))


def _offices(directory: Directory, codes) -> Offices:
    """The candidate offices of each subdistrict of one matcher level, where the pick depends on the point."""
    lists = [partial_candidates(directory, code) for code in codes]
    width = max([len(c) for c in lists if c] or [1])
    table = Offices(
        partial=np.array([c is not None for c in lists], dtype=bool),
        lon=np.full((len(codes), width), np.nan),
        lat=np.full((len(codes), width), np.nan),
        units=[[u.code for u, _ in c] if c else [] for c in lists],
    )
    for i, candidates in enumerate(lists):
        for j, (unit, _) in enumerate(candidates or ()):
            if unit.office:
                table.lon[i, j], table.lat[i, j] = unit.office
    return table


def offices(directory: Directory, level) -> Offices:
    """The Offices table for a matcher level (LevelIndex), memoised per directory and generation."""
    store = bounded(directory.caches.offices)
    key = (level.generation, level.level, len(level.codes))
    if key not in store:
        store[key] = _offices(directory, level.codes)
    return store[key]


def choices(directory: Directory, level, chosen, lons, lats) -> np.ndarray:
    """Per point: the position of the picked candidate in its subdistrict's list (0 where static)."""
    table = offices(directory, level)
    out = np.zeros(len(chosen), dtype=np.int64)
    rows = np.flatnonzero((chosen >= 0) & table.partial[np.maximum(chosen, 0)])
    if not len(rows):
        return out
    subs = chosen[rows]
    lon1, lat1 = lons[rows, None], lats[rows, None]
    lon2, lat2 = table.lon[subs], table.lat[subs]
    # The same formula as responsibility._metres, term by term.
    x = np.radians(lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    y = np.radians(lat2 - lat1)
    metres = 6_371_000 * np.hypot(x, y)
    metres[np.isnan(metres)] = np.inf  # no office, or padding
    order = np.argsort(metres, axis=1, kind="stable")
    out[rows] = order[:, 0]
    if metres.shape[1] > 1:
        ranked = np.take_along_axis(metres, order[:, :2], axis=1)
        with np.errstate(invalid="ignore"):
            close = np.isfinite(ranked[:, 0]) & ~(ranked[:, 1] - ranked[:, 0] > TIE_MARGIN)
        for k in np.flatnonzero(close).tolist():
            code = level.codes[subs[k]]
            point = (float(lons[rows[k]]), float(lats[rows[k]]))
            unit = local_government(directory, code, "", point).unit
            out[rows[k]] = table.units[subs[k]].index(unit.code)
    return out


def file_columns(directory: Directory, match, categories, point) -> tuple:
    """(agency code, agency Thai name, English reason): the decision's columns in a file."""
    decision = decide(directory, match, categories, point)
    agency = decision.agency
    return (agency.code if agency else None, agency.name_th if agency else None, decision.reason_en)


def _static_local(directory: Directory, subdistrict_code: str) -> bool:
    store = bounded(directory.caches.static)
    found = store.get(subdistrict_code)
    if found is None:
        found = store[subdistrict_code] = partial_candidates(directory, subdistrict_code) is None
    return found


def _plain(j) -> bool:
    return not j.on_boundary and j.snapped_m is None and not j.ties


def answer(directory: Directory, generation, match, categories, point) -> tuple[dict, dict]:
    """(the jurisdictions with the local government, decision.as_dict()) for one point, computed
    once per key. The dictionaries are shared between answers: callers copy, never change them."""
    jurisdictions = match.jurisdictions
    sub = jurisdictions.get("subdistrict")
    codes = tuple((level, j.code) for level, j in jurisdictions.items())
    pick = None
    if sub is not None and "district" in jurisdictions and not _static_local(directory, sub.code):
        lg = local_government(directory, sub.code, "", point)
        pick = (lg.unit.code, tuple(u.code for u, _ in lg.candidates))
    key = (generation, codes, match.reason, tuple(categories), pick)
    store = bounded(directory.caches.answers)
    found = store.get(key)
    if found is None:
        decision = decide(directory, match, categories, point)
        lg = decision.local_government
        local = lg.as_dict() if lg is not None and lg.unit is not None else None
        found = store[key] = (local, decision.as_dict(), {})
    local, decided, plain = found
    if all(_plain(j) for j in jurisdictions.values()):
        if not plain:  # the common case: no boundary, no snap, so the same dictionary every time
            plain.update(_jurisdictions(jurisdictions, local))
        return plain, decided
    return _jurisdictions(jurisdictions, local), decided


def _jurisdictions(jurisdictions, local) -> dict:
    out = {level: j.as_dict() for level, j in jurisdictions.items()}
    if local is not None:
        out["local_government"] = local
    return out
