"""What each collection can be filtered and sorted by (OGC API - Features Part 3 queryables).

One table per collection: the property name clients see, its type, and where it lives in the
collection's Django queryset. Filters (ogc/filters.py), sortby and the /queryables JSON Schema
all read it, so a property is filterable exactly when it is advertised.
"""

from dataclasses import dataclass

from .collections import Collection

STRING, INTEGER, TIMESTAMP, GEOMETRY = "string", "integer", "timestamp", "geometry"
GEOMETRY_NAME = "geometry"


@dataclass(frozen=True)
class Queryable:
    name: str
    type: str
    path: str  # Django lookup path on the collection's queryset ("" for the geometry)
    title: str
    enum: tuple = ()


def _boundary():
    return [
        Queryable("code", STRING, "code", "DOPA code"),
        Queryable("pcode", STRING, "pcode", "OCHA P-code"),
        Queryable("parent_code", STRING, "parent_code", "DOPA code of the enclosing unit"),
        Queryable("name_th", STRING, "name_th", "Thai name"),
        Queryable("name_en", STRING, "name_en", "English name"),
    ]


def _local_government():
    return [
        Queryable("code", STRING, "code", "unit code (tambon database)"),
        Queryable("kind", STRING, "kind", "municipality, SAO, PAO, ..."),
        Queryable("name_th", STRING, "name_th", "Thai name"),
        Queryable("name_en", STRING, "name_en", "English name"),
        Queryable("province_code", STRING, "province_code", "DOPA province code"),
        Queryable("district_code", STRING, "district_code", "DOPA district code"),
    ]


def _service_area():
    return [
        Queryable("code", STRING, "agency__code", "agency code"),
        Queryable("name_th", STRING, "agency__name_th", "Thai name"),
        Queryable("name_en", STRING, "agency__name_en", "English name"),
        Queryable("kind", STRING, "agency__kind", "agency kind"),
        Queryable("jurisdiction_code", STRING, "agency__jurisdiction_code", "code of its jurisdiction"),
        Queryable(
            "area_source",
            STRING,
            "area_source",
            "where the area comes from",
            ("explicit", "provinces", "local_government", "boundary"),
        ),
        Queryable("coverage", STRING, "coverage", "exact or approximate", ("exact", "approximate")),
    ]


def _complaint():
    from complaints.lifecycle import STATES

    return [
        Queryable("status", STRING, "status", "lifecycle state", tuple(STATES)),
        Queryable("agency", STRING, "agency__code", "code of the agency responsible (null: none found)"),
        Queryable("agency_name_th", STRING, "agency__name_th", "Thai name of the agency responsible"),
        Queryable("province_code", STRING, "province_code", "DOPA province code"),
        Queryable("district_code", STRING, "district_code", "DOPA district code"),
        Queryable("subdistrict_code", STRING, "subdistrict_code", "DOPA subdistrict code"),
        Queryable("reopen_count", INTEGER, "reopen_count", "times reopened"),
        Queryable("created", TIMESTAMP, "created", "when it was filed"),
        Queryable("updated", TIMESTAMP, "updated", "when it last changed"),
    ]


BY_KIND = {
    "boundary": _boundary,
    "local_government": _local_government,
    "service_area": _service_area,
    "complaint": _complaint,
}


def for_collection(collection: Collection) -> dict[str, Queryable]:
    found = {q.name: q for q in BY_KIND[collection.kind]()}
    found[GEOMETRY_NAME] = Queryable(GEOMETRY_NAME, GEOMETRY, "", "the feature's geometry")
    return found


JSON_TYPES = {
    STRING: {"type": "string"},
    INTEGER: {"type": "integer"},
    TIMESTAMP: {"type": "string", "format": "date-time"},
}


def schema(collection: Collection, url: str) -> dict:
    """The queryables as a JSON Schema (Part 3, 6.2: draft 2020-12, additionalProperties false)."""
    properties = {}
    for q in for_collection(collection).values():
        if q.type == GEOMETRY:
            geometry = "point" if collection.kind == "complaint" else "multipolygon"
            properties[q.name] = {"title": q.title, "format": f"geometry-{geometry}", "x-ogc-role": "primary-geometry"}
            continue
        entry = {"title": q.title, **JSON_TYPES[q.type]}
        if q.enum:
            entry["enum"] = list(q.enum)
        properties[q.name] = entry
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": collection.title,
        "properties": properties,
        "additionalProperties": False,
    }
