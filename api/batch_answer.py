"""A batch's answer written as JSON bytes from fragments encoded once per group of points, for
POST /api/v1/route/batch: the same bytes the per-point dictionaries encoded by orjson give.

Every point's object starts with its own id, lon and lat; the rest of it (full: status,
jurisdictions, decision; compact: status, codes, agency code) is the same for every point with
the same key, so it is encoded once per key and joined. The full answer groups the plain points
(no level on a boundary or snapped; a local government that does not depend on where in the
subdistrict the point lies) by the polygon chosen at each level and the categories; the others
are answered one by one, as before, by `result`.
"""

import numpy as np

from routing.batch.columns import decision_columns
from routing.rules.caches import BatchFragments
from routing.rules.decisions import offices
from routing.service import BatchAnswer

from .fast_json import dumps

COMPACT_FIELDS = ("status", "province_code", "district_code", "subdistrict_code", "agency_code")


# Fragments of full answers remembered per directory (rules version) and matcher snapshot: about
# 1 KB each, so at most this many (tens of MB) before the store starts again.
MAX_FRAGMENTS = 30_000


def _texts(values: list) -> list[bytes]:
    """Each value as orjson writes it; numbers (never commas in them) from one encoding, split."""
    if not values:
        return []
    if set(map(type, values)) <= {int, float}:
        return dumps(values)[1:-1].split(b",")
    return [dumps(v) for v in values]


def _document(generation, parts: list[bytes]) -> bytes:
    return b'{"generation":%s,"count":%d,"results":[%s]}' % (dumps(generation), len(parts), b",".join(parts))


def compact(batch: BatchAnswer) -> bytes:
    """The compact answer: per point its id, status, the three codes and the agency code, from the
    decision columns grouped by key (routing.batch.columns), each distinct row encoded once."""
    points, matcher = batch.points, batch.matcher
    columns = decision_columns(
        batch.answers, matcher, batch.directory, points.lons, points.lats, points.category_ids, points.categories
    )
    values = [columns[name].to_numpy(dtype=object, na_value=None).tolist() for name in COMPACT_FIELDS]
    encoded: dict[tuple, bytes] = {}
    parts = []
    for point_id, row in zip(_texts(points.ids), zip(*values, strict=True), strict=True):
        rest = encoded.get(row)
        if rest is None:
            rest = encoded[row] = b"," + dumps(dict(zip(COMPACT_FIELDS, row, strict=True)))[1:]
        parts.append(b'{"id":' + point_id + rest)
    return _document(matcher.generation, parts)


def _groupable(answers, directory) -> np.ndarray:
    """Per point: no level unusual (on a boundary, snapped, tied) and a static local government."""
    plain = np.ones(answers.n, dtype=bool)
    for level in answers.levels:
        if level.special:
            plain[np.fromiter(level.special.keys(), dtype=np.int64, count=len(level.special))] = False
        if level.index.level == "subdistrict":
            chosen = level.chosen
            partial = offices(directory, level.index).partial
            plain &= ~((chosen >= 0) & partial[np.maximum(chosen, 0)])
    return plain


def _store(batch: BatchAnswer) -> BatchFragments:
    """The fragments for this directory and matcher snapshot; category sets numbered in it."""
    caches = batch.directory.caches
    snapshot = tuple(sorted(batch.matcher.generations.items()))
    if caches.fragments.snapshot != snapshot or len(caches.fragments.fragments) > MAX_FRAGMENTS:
        caches.fragments = BatchFragments(snapshot)
    return caches.fragments


def full(batch: BatchAnswer) -> bytes:
    """The full answer, byte for byte the one-by-one answers (BatchAnswer.one) in a document."""
    points, answers, directory, generation = batch.points, batch.answers, batch.directory, batch.generation
    plain = _groupable(answers, directory)
    store = _store(batch)
    numbered = store.categories
    key = np.array([numbered.setdefault(c, len(numbered)) for c in points.categories], dtype=np.int64)
    key = key[points.category_ids]
    for level in answers.levels:
        key = key * (len(level.index.codes) + 1) + (level.chosen.astype(np.int64) + 1)
    keys, first, inverse = np.unique(np.where(plain, key, -1), return_index=True, return_inverse=True)
    fragments, rests = store.fragments, []
    for value, k in zip(keys.tolist(), first.tolist(), strict=True):
        rest = fragments.get(value) if value >= 0 else None
        if rest is None and value >= 0:
            document = batch.one(k).as_dict()
            # The object's members after id, lon and lat, as `,"status":…}`.
            rest = fragments[value] = b"," + dumps({n: v for n, v in document.items() if n not in HEAD})[1:]
        rests.append(rest)
    heads = [
        b'{"id":' + i + b',"lon":' + x + b',"lat":' + y
        for i, x, y in zip(_texts(points.ids), _texts(points.lons.tolist()), _texts(points.lats.tolist()), strict=True)
    ]
    parts = []
    for k, group in enumerate(inverse.tolist()):
        rest = rests[group]
        if rest is None:  # answered one by one
            parts.append(dumps(batch.one(k).as_dict()))
        else:
            parts.append(heads[k] + rest)
    return _document(generation, parts)


HEAD = ("id", "lon", "lat")
