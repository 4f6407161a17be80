"""The vectorised decision columns give exactly what the per-row path gave.

`reference_route_chunk` is the per-row implementation route_file used before decisions were
grouped and computed once per key; it stays here as the reference. Points are drawn where the
grouping could go wrong: subdistricts partly covered by municipalities (the nearest office picks
the local government, per point), boundaries, the coast (snapped and unmatched), and bad rows.
"""

import math

import numpy as np
import pandas as pd
import pytest

from routing import loaders
from routing.batch.files import DECISION_COLUMNS, FileError, category_names, route_chunk
from routing.engine.points import PointError, check_range
from routing.rules import decisions
from routing.rules.responsibility import decide, local_government

pytestmark = pytest.mark.django_db


def _reference_coordinates(frame, lon_column, lat_column):
    lons = pd.to_numeric(frame[lon_column], errors="coerce").to_numpy(dtype=float)
    lats = pd.to_numeric(frame[lat_column], errors="coerce").to_numpy(dtype=float)
    reasons = np.full(len(frame), None, dtype=object)
    for k, (lon, lat) in enumerate(zip(lons, lats)):
        if not (math.isfinite(lon) and math.isfinite(lat)):
            reasons[k] = "lon/lat missing or not a number"
            continue
        try:
            check_range(lon, lat)
        except PointError as exc:
            reasons[k] = str(exc)
    return lons, lats, reasons


def reference_route_chunk(frame, *, matcher, directory, lon_column, lat_column, category_column=None, within_m=50.0):
    lons, lats, reasons = _reference_coordinates(frame, lon_column, lat_column)
    categories = [()] * len(frame)
    if category_column:
        if category_column not in frame.columns:
            raise FileError(f"no column {category_column!r}")
        names = category_names()
        labels = [[c.strip() for c in str(v).split(",") if c.strip()] if v else [] for v in frame[category_column]]
        for k, given in enumerate(labels):
            unknown = [c for c in given if c not in names]
            if reasons[k] is None and unknown:
                reasons[k] = f"unknown category: {', '.join(unknown)}"
        categories = [tuple(dict.fromkeys(names[c] for c in given if c in names)) for given in labels]
    good = np.array([r is None for r in reasons], dtype=bool)
    out = frame.loc[good].copy()
    answers = matcher.lookup_many(lons[good], lats[good], within_m)
    columns = {name: [] for name in DECISION_COLUMNS}
    good_rows = np.flatnonzero(good)
    for k in range(answers.n):
        match = answers.match(k)
        j = match.jurisdictions
        decision = decide(directory, match, categories[good_rows[k]], (lons[good_rows[k]], lats[good_rows[k]]))
        columns["status"].append(match.status)
        columns["province_code"].append(j["province"].code if "province" in j else None)
        columns["district_code"].append(j["district"].code if "district" in j else None)
        columns["subdistrict_code"].append(j["subdistrict"].code if "subdistrict" in j else None)
        columns["subdistrict_name_th"].append(j["subdistrict"].name_th if "subdistrict" in j else None)
        columns["on_boundary"].append(match.on_boundary)
        columns["snapped_m"].append(match.snapped_m)
        columns["agency_code"].append(decision.agency.code if decision.agency else None)
        columns["agency_name_th"].append(decision.agency.name_th if decision.agency else None)
        columns["reason_en"].append(decision.reason_en)
        columns["generation"].append(matcher.generation)
    for name, values in columns.items():
        out[name] = pd.Series(values, index=out.index, dtype=DECISION_COLUMNS[name])
    rejects = frame.loc[~good].copy()
    rejects["reject_reason"] = reasons[~good]
    return out, rejects


LABELS = ["", "road", "ถนน", "แสงสว่าง", "drain", "flooding,drain", "electricity", " tree , noise", "unicorns", None]


def _frame(directory, matcher, rng):
    """Points in partly covered subdistricts (around their offices), in Bangkok, over the country,
    on the Gulf coast, and bad rows, with categories of every kind."""
    parts = []
    offices = [u.office for u in directory.local_units.values() if u.office and u.kind != "pao"]
    centres = np.array(offices)[rng.choice(len(offices), 3000)]
    parts.append(centres + rng.normal(0, 0.02, (3000, 2)))  # near offices: partial picks and ties
    parts.append(np.column_stack([rng.normal(100.55, 0.09, 2000), rng.normal(13.76, 0.07, 2000)]))
    parts.append(np.column_stack([rng.uniform(97.3, 105.7, 3000), rng.uniform(5.6, 20.5, 3000)]))
    parts.append(np.column_stack([rng.uniform(99.9, 100.1, 1000), rng.uniform(12.5, 13.5, 1000)]))  # coast
    points = np.concatenate(parts).round(6)
    n = len(points)
    lon, lat = points[:, 0].astype(object), points[:, 1].astype(object)
    lon[:5], lat[:5] = [None, "x", 200.0, 13.7, 100.5], [13.7, 13.7, 13.7, 100.5, 95.0]  # bad rows
    frame = pd.DataFrame(
        {
            "id": [f"p{k}" for k in range(n)],
            "lon": [str(v) for v in lon],
            "lat": [str(v) for v in lat],
            "type": rng.choice(np.array(LABELS, dtype=object), n),
        }
    )
    return frame


def test_vectorised_columns_equal_the_per_row_path(national_matcher, agencies):
    directory = loaders.load_directory()
    frame = _frame(directory, national_matcher, np.random.default_rng(14))
    options = {"lon_column": "lon", "lat_column": "lat", "category_column": "type", "within_m": 50.0}
    expected = reference_route_chunk(frame, matcher=national_matcher, directory=directory, **options)
    for _ in range(2):  # the second time from the memo
        got = route_chunk(frame, matcher=national_matcher, directory=directory, **options)
        pd.testing.assert_frame_equal(got[0], expected[0])
        pd.testing.assert_frame_equal(got[1], expected[1])
    routed = expected[0]
    # The sample reaches what it is meant to: partly covered subdistricts, snapped and unmatched rows.
    assert (routed["reason_en"].str.contains("nearest office")).sum() > 100
    assert set(routed["status"]) == {"matched", "snapped", "unmatched"}
    assert len(expected[1]) > 5  # the five bad rows and every "unicorns"


def test_office_pick_matches_the_exact_function_at_ties(agencies):
    """Two offices at the same distance (a point half way between them): the exact function's
    tie-break (municipality first, then code) wins, as it does one point at a time."""
    directory = loaders.load_directory()
    code = next(c for c in sorted(directory.coverage) if decisions.partial_candidates(directory, c))
    candidates = decisions.partial_candidates(directory, code)
    (a, _), (b, _) = candidates[:2]
    assert a.office and b.office
    mid = ((a.office[0] + b.office[0]) / 2, (a.office[1] + b.office[1]) / 2)

    class Level:
        codes, generation, level = [code], 1, "subdistrict"

    lons = np.array([mid[0], a.office[0], b.office[0]])
    lats = np.array([mid[1], a.office[1], b.office[1]])
    picks = decisions.choices(directory, Level, np.zeros(3, dtype=np.int32), lons, lats)
    units = [c[0].code for c in candidates]
    for k in range(3):
        assert units[picks[k]] == local_government(directory, code, "", (lons[k], lats[k])).unit.code
    assert units[picks[1]] == a.code and units[picks[2]] == b.code


def test_route_answers_from_the_memo_equal_fresh_decisions(national_matcher, agencies):
    """The route endpoints' fragments (jurisdictions with the local government, the decision),
    computed once per key, equal what a fresh decision gives at every point of the sample."""
    directory = loaders.load_directory()
    frame = _frame(directory, national_matcher, np.random.default_rng(1))[5:]
    names = category_names()
    for _ in range(2):
        for lon, lat, label in zip(frame["lon"].astype(float), frame["lat"].astype(float), frame["type"]):
            categories = tuple(
                dict.fromkeys(names[c.strip()] for c in str(label or "").split(",") if c.strip() in names)
            )
            match = national_matcher.lookup(lon, lat)
            decision = decide(directory, match, categories, (lon, lat))
            expected = {level: j.as_dict() for level, j in match.jurisdictions.items()}
            if decision.local_government is not None and decision.local_government.unit is not None:
                expected["local_government"] = decision.local_government.as_dict()
            jurisdictions, decided = decisions.answer(
                directory, national_matcher.generation, match, categories, (lon, lat)
            )
            assert jurisdictions == expected
            assert decided == decision.as_dict()
