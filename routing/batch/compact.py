"""The compact answer for a batch: per point its id, status, the three codes and the agency code,
built from the matcher's arrays and decisions grouped by key (routing.batch.columns), with none
of the per-point dictionaries of the full answer."""

import numpy as np

from .columns import decision_columns

FIELDS = ("status", "province_code", "district_code", "subdistrict_code", "agency_code")


def compact_results(points, answers, matcher, directory) -> list[dict]:
    """points: parsed PointInput in order; answers: matcher.lookup_many over the same points."""
    seen = {}
    ids = np.fromiter((seen.setdefault(p.categories, len(seen)) for p in points), dtype=np.int64, count=len(points))
    lons = np.fromiter((p.lon for p in points), dtype=float, count=len(points))
    lats = np.fromiter((p.lat for p in points), dtype=float, count=len(points))
    columns = decision_columns(answers, matcher, directory, lons, lats, ids, list(seen))
    values = [columns[name].to_numpy(dtype=object, na_value=None).tolist() for name in FIELDS]
    return [
        {"id": p.id, **dict(zip(FIELDS, row, strict=True))}
        for p, row in zip(points, zip(*values, strict=True), strict=True)
    ]
