"""How much geometry one page may carry, counted in vertices, not features: a page of ten
thousand lighter subdistricts and a page of eight full-resolution provinces cost about the same.
A page stops before the feature that would take it over the budget (never empty: one feature is
always served) and its `next` link continues from there, as OGC API - Features allows.

Vertex counts are read once per boundary generation (boundaries/cached.py) and kept in memory.
Local government areas and service areas are unions built per request: a fixed feature cap."""

from functools import lru_cache

from boundaries import queries
from boundaries.cached import generations, value

from . import lighter

FULL, LIGHT = "full", "light"  # ogc.features.RESOLUTIONS
VERTEX_BUDGET = 500_000
UNION_CAP = {FULL: 100, LIGHT: 1_000}


def _count(resolution: str) -> dict[int, int]:
    return queries.vertex_counts(lighter=resolution == LIGHT)


@lru_cache(maxsize=4)
def _counts(token: str, resolution: str) -> dict[int, int]:
    return value(f"vertices:{resolution}", lambda: _count(resolution), token)


def vertex_counts(resolution: str) -> dict[int, int]:
    return _counts(lighter.with_state(generations()[0]), resolution)


def within(ids: list, resolution: str, budget: int = VERTEX_BUDGET) -> list:
    """The longest head of `ids` (boundary ids) whose vertices fit the budget; at least one."""
    counts = vertex_counts(resolution)
    total = 0
    for n, boundary_id in enumerate(ids):
        total += counts.get(boundary_id, 0)
        if total > budget and n > 0:
            return ids[:n]
    return ids
