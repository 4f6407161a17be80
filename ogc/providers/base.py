"""What a collection provider answers: everything the OGC views, tiles, caches, downloads and
HTML pages ask of a collection, so none of them asks what kind of collection it is.

A provider is the collection itself: its description (id, title, properties...) and the queries
behind it, written by the app that owns the data. `Layer` holds the description and the defaults;
each module of this package (one per kind of collection) subclasses it and lists its collections
for the registry (ogc/providers/__init__.py).
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.db.models import Q, QuerySet

from .. import lighter, output
from ..output import Output
from ..queryables import Queryable

LIGHT, FULL = output.LIGHT, output.FULL


class Page(list):
    """Feature strings, and whether any geometry had to be served at full resolution."""

    resolution = FULL


def page_of(rows: list, lighter_index: int, resolution: str, build) -> Page:
    """A page of features built from rows, lighter only where every row had its lighter geometry."""
    page = Page(build(row) for row in rows)
    page.resolution = LIGHT if resolution == LIGHT and all(row[lighter_index] for row in rows) else FULL
    if resolution == LIGHT and page.resolution == FULL:
        lighter.served_full_instead()
    return page


def ids_of(qs, key: str, offset: int, limit: int, ordered_ids: tuple | None) -> list:
    """The ids of one page: from the ids kept in order, or from the queryset."""
    if ordered_ids is not None:
        return list(ordered_ids[offset : offset + limit])
    return list(qs.values_list(key, flat=True)[offset : offset + limit])


class Provider(Protocol):
    id: str
    title: str
    description: str
    properties: dict  # equality parameter -> Django lookup path
    temporal: bool  # datetime applies (and datetime-field)
    polygons: bool  # served lighter by default, resolution=full offered
    reads_directory: bool  # its features depend on the routing directory too (cache keys, file names)
    items_cached: bool  # its pages may be kept per boundary generation
    capped_count: bool  # numberMatched counted up to a cap only
    tiled: bool  # served as vector tiles
    tiles_cached: bool  # its tiles may be kept per boundary generation
    tile_fields: dict  # the tiles' properties, as TileJSON types
    downloads: tuple  # resolutions offered as one FlatGeobuf file
    geometry_type: str  # queryables: point or multipolygon
    example: str  # a CQL2 filter for the queryables page
    output_properties: tuple  # what `properties` may keep

    def queryables(self) -> list[Queryable]: ...
    def queryset(self) -> QuerySet: ...
    def within_bbox(self, qs: QuerySet, bbox: list) -> QuerySet: ...
    def spatial(self, predicate: str, geom: Any, metres: float | None = None) -> Q: ...
    def whole_ids(self) -> tuple | None: ...
    def count(self, qs: QuerySet, cap: int | None = None) -> int | None: ...
    def page(self, qs, offset: int, limit: int, out: Output, ordered_ids: tuple | None = None) -> Page: ...
    def find(self, fid: str) -> QuerySet | None: ...
    def extent(self) -> list: ...
    def tile(self, layer: str, z: int, x: int, y: int) -> bytes: ...


@dataclass(frozen=True)
class Layer:
    """A collection's description, and the defaults of a polygon layer without tiles or files."""

    id: str
    title: str
    description: str
    level: str = ""
    properties: dict = field(default_factory=dict)
    temporal: bool = False

    polygons: ClassVar[bool] = True
    reads_directory: ClassVar[bool] = False
    items_cached: ClassVar[bool] = True
    capped_count: ClassVar[bool] = False
    tiled: ClassVar[bool] = False
    tiles_cached: ClassVar[bool] = False
    tile_fields: ClassVar[dict] = {}
    downloads: ClassVar[tuple] = ()
    geometry_type: ClassVar[str] = "multipolygon"
    example: ClassVar[str] = ""
    output_properties: ClassVar[tuple] = ()

    def whole_ids(self) -> tuple | None:
        """The whole collection's ids in order, where they are kept (None: ask the queryset)."""
        return None

    def count(self, qs: QuerySet, cap: int | None = None) -> int | None:
        if cap is None or not self.capped_count:
            return qs.count()
        counted = qs.order_by()[: cap + 1].count()
        return counted if counted <= cap else None

    def tile(self, layer: str, z: int, x: int, y: int) -> bytes:
        raise LookupError(f"{self.id} has no tiles")
