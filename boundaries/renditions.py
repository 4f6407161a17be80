"""A lighter rendition of the boundaries that another app keeps (ogc/lighter.py writes it, one row
per boundary: `boundary` one-to-one, `geom`, `geojson` text). That app registers the table's model
here when it starts, so the boundary SQL of this app can draw from the rendition without importing
the app that keeps it, and without callers passing table names in. Unregistered, every query
reads the boundaries at full resolution.

`shapes()` is the relation other apps' SQL joins instead of naming the boundaries table: one row
per boundary with its lighter rendition beside it.
"""

_lighter = None  # the rendition's model


def register_lighter(model) -> None:
    global _lighter
    _lighter = model


def lighter_table() -> str | None:
    return _lighter._meta.db_table if _lighter is not None else None


# Columns: id, code, level, parent_code, generation_id, geom (full resolution), light_id (null where
# the boundary has no lighter rendition, or it was not asked for), light_geom, light_text.
_SHAPES = (
    "(SELECT b.id, b.code, b.level, b.parent_code, b.generation_id, b.geom,"
    " l.boundary_id AS light_id, l.geom AS light_geom, l.geojson AS light_text"
    " FROM boundaries_boundary b {active} LEFT JOIN {light} l ON {join})"
)
_FULL_SHAPES = (
    "(SELECT b.id, b.code, b.level, b.parent_code, b.generation_id, b.geom,"
    " NULL::bigint AS light_id, NULL::geometry AS light_geom, NULL::text AS light_text"
    " FROM boundaries_boundary b {active})"
)
_NO_LIGHT = "(SELECT NULL::bigint AS boundary_id, NULL::geometry AS geom, NULL::text AS geojson)"
_ACTIVE = "JOIN boundaries_generation g ON g.id = b.generation_id AND g.active"


def light_join(lighter: bool) -> tuple[str, str]:
    """The lighter rendition to LEFT JOIN as l, and the condition to join it on b (false: not asked
    for or none kept; PostgreSQL drops such a join from the plan)."""
    table = lighter_table()
    if table is None:
        return _NO_LIGHT, "false"
    return table, "l.boundary_id = b.id" if lighter else "false"


def shapes(lighter: bool, active: bool = False) -> str:
    """The boundaries (of the active generations only, with active) as a relation to join; with
    lighter, each beside its lighter rendition. PostgreSQL flattens it into the caller's plan."""
    table, join = light_join(lighter)
    if join == "false":
        return _FULL_SHAPES.format(active=_ACTIVE if active else "")
    return _SHAPES.format(active=_ACTIVE if active else "", light=table, join=join)
