"""Feature queries for the OGC and tile endpoints: what a request selects and one page of it,
whatever the collection; each collection's provider (ogc/providers/) builds its own pages.

Polygon collections are served lighter by default (the precomputed rendition of ogc/lighter.py,
its GeoJSON text stored) and at full resolution with resolution=full; a generation not prepared
yet is served at full resolution, and the response says which it got.
"""

from . import output
from .output import Output
from .providers.base import Page, Provider

LIGHT, FULL, RESOLUTIONS = output.LIGHT, output.FULL, output.RESOLUTIONS
__all__ = ["Page", "Selection", "extent", "filtered", "one_feature", "page_features", "queryset", "select"]


def queryset(collection: Provider):
    return collection.queryset()


def filtered(collection: Provider, qs, bbox=None, interval=None, properties=None, time_field="created"):
    if bbox:
        qs = collection.within_bbox(qs, bbox)
    if interval:
        start, end = interval
        if start:
            qs = qs.filter(**{f"{time_field}__gte": start})
        if end:
            qs = qs.filter(**{f"{time_field}__lte": end})
    for name, value in (properties or {}).items():
        qs = qs.filter(**{collection.properties[name]: value})
    return qs


class Selection:
    """The features a request selects: how many, and one page of them."""

    def __init__(self, collection: Provider, qs, ids: tuple | None = None):
        self.collection, self.qs, self.ids = collection, qs, ids

    def count(self, cap: int | None = None) -> int | None:
        """How many features match; with a cap, a collection counted up to a cap (complaints) says
        None for more than cap (a million complaints are not counted on every page)."""
        if self.ids is not None:
            return len(self.ids)
        return self.collection.count(self.qs, cap)

    def page(self, offset: int, limit: int, out: Output = output.DEFAULT) -> Page:
        return page_features(self.collection, self.qs, offset, limit, out, self.ids)


def select(
    collection: Provider, bbox=None, interval=None, properties=None, condition=None, order=(), time_field="created"
) -> Selection:
    """bbox, datetime interval (on time_field: created or updated), property equalities, a CQL2 condition (a Django
    Q from ogc/filters.py) and an order (sortby's Django order_by terms)."""
    if not bbox and not properties and condition is None and not order:
        ids = collection.whole_ids()
        if ids is not None:
            return Selection(collection, None, ids)
    qs = filtered(collection, collection.queryset(), bbox, interval, properties, time_field)
    if condition is not None:
        qs = qs.filter(condition)
    if order:
        qs = qs.order_by(*order, *qs.query.order_by)  # the collection's own order breaks ties
    return Selection(collection, qs)


def page_features(
    collection: Provider, qs, offset: int, limit: int, out: Output = output.DEFAULT, ordered_ids=None
) -> Page:
    return collection.page(qs, offset, limit, out, ordered_ids)


def one_feature(collection: Provider, fid: str, out: Output = output.DEFAULT):
    qs = collection.find(fid)
    if qs is None:
        return None
    found = collection.page(qs, 0, 1, out)
    return found[0] if found else None


def extent(collection: Provider) -> list:
    return collection.extent()
