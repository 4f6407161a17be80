"""The decision columns of a chunk, built from the matcher's arrays instead of one dictionary per row.

Jurisdiction codes and names are taken from the levels' arrays; the rare unusual answers (on a
boundary, snapped) from the levels' `special` maps. Rows are grouped by everything a decision
depends on (routing.rules.decisions), and each group is decided once.
"""

import numpy as np
import pandas as pd

from routing.rules.decisions import choices, file_columns


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


def _take(values, chosen) -> np.ndarray:
    values = np.asarray(values, dtype=object)
    out = values[np.maximum(chosen, 0)] if len(values) else np.full(len(chosen), None, dtype=object)
    out[chosen < 0] = None
    return out


def decision_columns(answers, matcher, directory, lons, lats, category_ids, category_tuples) -> dict:
    """name -> array for every decision column; category_ids index category_tuples per row."""
    n = answers.n
    levels = _level_arrays(answers)
    names = [index.level for index in matcher.levels]
    found = np.ones(n, dtype=bool)
    any_found = np.zeros(n, dtype=bool)
    boundary = np.zeros(n, dtype=bool)
    snapped = np.full(n, np.nan)
    for _index, chosen, on_boundary, metres in levels.values():
        found &= chosen >= 0
        any_found |= chosen >= 0
        boundary |= on_boundary
        snapped = np.fmax(snapped, metres)
    status = np.where(found, np.where(np.isnan(snapped), "matched", "snapped"), "unmatched").astype(object)

    def column(level, attribute):
        if level not in levels:
            return np.full(n, None, dtype=object)
        index, chosen = levels[level][:2]
        return _take(getattr(index, attribute), chosen)

    # Rows grouped by place: the chosen polygon at each level and the office pick; then by categories.
    sub = levels.get("subdistrict")
    place = choices(directory, sub[0], sub[1], lons, lats) if sub is not None else np.zeros(n, dtype=np.int64)
    for name in names:
        index, chosen = levels[name][:2]
        place = place * (len(index.codes) + 1) + (chosen.astype(np.int64) + 1)
    places, place_keys = pd.factorize(place)
    groups, _ = pd.factorize(places.astype(np.int64) * len(category_tuples) + np.asarray(category_ids))
    first = np.full(groups.max() + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, groups, np.arange(n))
    agency_code = np.empty(len(first), dtype=object)
    agency_name = np.empty(len(first), dtype=object)
    reason = np.empty(len(first), dtype=object)
    for g, k in enumerate(first.tolist()):
        categories = category_tuples[category_ids[k]]
        key = (int(place_keys[places[k]]), categories)
        point = (float(lons[k]), float(lats[k]))
        agency_code[g], agency_name[g], reason[g] = file_columns(
            directory, matcher.generation, key, answers.match(k), categories, point
        )
    return {
        "status": status,
        "province_code": column("province", "codes"),
        "district_code": column("district", "codes"),
        "subdistrict_code": column("subdistrict", "codes"),
        "subdistrict_name_th": column("subdistrict", "names_th"),
        "on_boundary": boundary,
        "snapped_m": snapped,
        "agency_code": agency_code[groups],
        "agency_name_th": agency_name[groups],
        "reason_en": reason[groups],
        "generation": np.full(n, matcher.generation, dtype=object),
    }
