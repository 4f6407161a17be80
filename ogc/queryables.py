"""What each collection can be filtered and sorted by (OGC API - Features Part 3 queryables).

One table per collection, which its provider gives (ogc/providers/): the property name clients
see, its type, and where it lives in the collection's Django queryset. Filters (ogc/filters.py),
sortby and the /queryables JSON Schema all read it, so a property is filterable exactly when it is
advertised.
"""

from dataclasses import dataclass
from typing import Protocol

STRING, INTEGER, TIMESTAMP, GEOMETRY = "string", "integer", "timestamp", "geometry"
GEOMETRY_NAME = "geometry"


@dataclass(frozen=True)
class Queryable:
    name: str
    type: str
    path: str  # Django lookup path on the collection's queryset ("" for the geometry)
    title: str
    enum: tuple = ()


class Filterable(Protocol):
    """What the queryables read of a collection: every provider (ogc/providers/base.py) is one.
    Written here so that this module stays below the providers, which import Queryable."""

    @property
    def title(self) -> str: ...
    @property
    def geometry_type(self) -> str: ...
    def queryables(self) -> list[Queryable]: ...


def for_collection(collection: Filterable) -> dict[str, Queryable]:
    found = {q.name: q for q in collection.queryables()}
    found[GEOMETRY_NAME] = Queryable(GEOMETRY_NAME, GEOMETRY, "", "the feature's geometry")
    return found


JSON_TYPES = {
    STRING: {"type": "string"},
    INTEGER: {"type": "integer"},
    TIMESTAMP: {"type": "string", "format": "date-time"},
}


def schema(collection: Filterable, url: str) -> dict:
    """The queryables as a JSON Schema (Part 3, 6.2: draft 2020-12, additionalProperties false)."""
    properties = {}
    for q in for_collection(collection).values():
        if q.type == GEOMETRY:
            geometry = f"geometry-{collection.geometry_type}"
            properties[q.name] = {"title": q.title, "format": geometry, "x-ogc-role": "primary-geometry"}
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
