"""The decision columns of a chunk, built from the matcher's arrays instead of one dictionary per row.

Jurisdiction codes and names are taken from the levels' arrays; the rare unusual answers (on a
boundary, snapped) from the levels' `special` maps. Rows are grouped by everything a decision
depends on (routing.rules.decisions), and each group is decided once.
"""

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa

from routing.rules.caches import FileDecisions
from routing.rules.decisions import choices, file_columns

STATUSES = pa.array(["unmatched", "matched", "snapped"], type=pa.large_string())
# Distinct category sets remembered per directory before the cache starts again (a key's bits).
MAX_CATEGORY_SETS = 1 << 16
_ARROW = weakref.WeakKeyDictionary()  # LevelIndex -> {attribute: Arrow array}


def _level_arrays(answers):
    """level -> (chosen indices, on_boundary bools, snapped metres or NaN)."""
    out = {}
    for level in answers.levels:
        n = len(level.chosen)
        boundary, snapped = np.zeros(n, dtype=bool), np.full(n, np.nan)
        for k, j in level.special.items():
            boundary[k] = j.on_boundary
            if j.snapped_m is not None:
                snapped[k] = j.snapped_m
        out[level.index.level] = (level.index, level.chosen, boundary, snapped)
    return out


def _strings(index, attribute) -> pa.Array:
    """A level's codes or names as one Arrow array, made once per level."""
    per_level = _ARROW.setdefault(index, {})
    if attribute not in per_level:
        per_level[attribute] = pa.array(list(getattr(index, attribute)), type=pa.large_string())
    return per_level[attribute]


def _take(values: pa.Array, chosen) -> pd.api.extensions.ExtensionArray:
    """Arrow strings by index (-1: missing), as pandas' "str" arrays: no Python string per row."""
    chosen = np.asarray(chosen, dtype=np.int64)
    return pd.array(values.take(pa.array(chosen, mask=chosen < 0)), dtype="str")


def _arrays(decided) -> tuple:
    """The cached decisions as three Arrow arrays (agency code, agency Thai name, reason)."""
    columns = list(zip(*decided)) if decided else ((), (), ())
    return tuple(pa.array(list(c), type=pa.large_string()) for c in columns)


def decision_columns(answers, matcher, directory, lons, lats, category_ids, category_tuples) -> dict:
    """name -> array for every decision column; category_ids index category_tuples per row."""
    n = answers.n
    levels = _level_arrays(answers)
    names = [index.level for index in matcher.levels]
    found = np.full(n, bool(levels))  # no level at all: nothing matched
    boundary = np.zeros(n, dtype=bool)
    snapped = np.full(n, np.nan)
    for _index, chosen, on_boundary, metres in levels.values():
        found &= chosen >= 0
        boundary |= on_boundary
        snapped = np.fmax(snapped, metres)
    status = np.where(found, np.where(np.isnan(snapped), 1, 2), 0)

    def column(level, attribute):
        if level not in levels:
            return _take(pa.array([], type=pa.large_string()), np.full(n, -1))
        index, chosen = levels[level][:2]
        return _take(_strings(index, attribute), chosen)

    # Rows grouped by place: the chosen polygon at each level and the office pick; then by categories.
    sub = levels.get("subdistrict")
    place = choices(directory, sub[0], sub[1], lons, lats) if sub is not None else np.zeros(n, dtype=np.int64)
    for name in names:
        index, chosen = levels[name][:2]
        place = place * (len(index.codes) + 1) + (chosen.astype(np.int64) + 1)
    known = directory.caches.file
    if known.keys is None or len(known.categories) >= MAX_CATEGORY_SETS or known.generation != matcher.generation:
        # (another snapshot: its polygon indices mean other places)
        known = directory.caches.file = FileDecisions(matcher.generation, {}, pd.Index([], dtype=np.int64), _arrays([]))
    # A file's columns show the decision for the first category only (the others only add
    # alternatives), so rows are grouped by it; every set present is still checked as decide does.
    present = np.unique(np.asarray(category_ids, dtype=np.int64))
    for i in present.tolist():
        directory.check_categories(list(category_tuples[i]) or ["other"])
    primaries = known.categories
    global_ids = np.array([primaries.setdefault(t[:1], len(primaries)) for t in category_tuples], dtype=np.int64)
    row_keys = place * MAX_CATEGORY_SETS + global_ids[np.asarray(category_ids, dtype=np.int64)]
    groups, group_keys = pd.factorize(row_keys)
    position = known.keys.get_indexer(group_keys)
    missing = np.flatnonzero(position < 0)
    if len(missing):
        _, first = np.unique(groups, return_index=True)
        decided = []
        for g in missing.tolist():
            k = int(first[g])
            primary = category_tuples[category_ids[k]][:1]
            # The plain jurisdictions are enough: a decision reads codes, names and the gap reason.
            found = {lv.index.level: lv.index.plain[lv.chosen[k]] for lv in answers.levels if lv.chosen[k] >= 0}
            match = matcher.result(found)
            decided.append(file_columns(directory, match, primary, (float(lons[k]), float(lats[k]))))
        known.keys = known.keys.append(pd.Index(group_keys[missing]))
        known.arrays = tuple(pa.concat_arrays([a, b]) for a, b in zip(known.arrays, _arrays(decided), strict=True))
        position = known.keys.get_indexer(group_keys)
    by_row = position[groups]
    agency_code, agency_name, reason = known.arrays
    return {
        "status": _take(STATUSES, status),
        "province_code": column("province", "codes"),
        "district_code": column("district", "codes"),
        "subdistrict_code": column("subdistrict", "codes"),
        "subdistrict_name_th": column("subdistrict", "names_th"),
        "on_boundary": boundary,
        "snapped_m": snapped,
        "agency_code": _take(agency_code, by_row),
        "agency_name_th": _take(agency_name, by_row),
        "reason_en": _take(reason, by_row),
        "generation": pd.array(np.full(n, matcher.generation, dtype=object), dtype="Int64"),
    }
