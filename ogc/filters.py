"""CQL2 filters (OGC API - Features Part 3) evaluated as Django ORM conditions, values bound.

The syntax tree comes from pygeofilter (ogc/cql2.py); this walks it with pygeofilter's Evaluator
and builds Django lookup expressions (Exact, LessThan, In, Range, IsNull, PostGIS lookups), so
every literal reaches PostgreSQL as a bound parameter. pygeofilter's own Django backend is not
used: it maps LIKE onto startswith/contains (wrong for 'a%b%c' and for '_'), and NOT onto Django's
exclude semantics, which count a NULL as "not equal"; here NOT is SQL's NOT (three-valued logic, as
CQL2 says), and LIKE is SQL's LIKE.

Spatial predicates: ogc/spatial.py.
"""

import math
from datetime import date, datetime

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.db.models import F, Lookup, Q, Value
from django.db.models import lookups as dj
from pygeofilter import ast, values
from pygeofilter.backends.evaluator import Evaluator, handle

from params import parse_moment

from . import cql2, queryables, spatial
from .cql2 import FilterError
from .crs import Crs
from .providers.base import Provider as Collection

TRUE, FALSE = Q(pk__isnull=False), Q(pk__in=[])


class Like(Lookup):
    """SQL LIKE with the pattern bound: CQL2's wildcards (% and _) and escape (\\) are PostgreSQL's."""

    lookup_name = "cql2_like"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class Prop:
    def __init__(self, queryable: queryables.Queryable):
        self.q = queryable

    @property
    def f(self):
        return F(self.q.path)


COMPARISONS = {
    ast.Equal: dj.Exact,
    ast.LessThan: dj.LessThan,
    ast.LessEqual: dj.LessThanOrEqual,
    ast.GreaterThan: dj.GreaterThan,
    ast.GreaterEqual: dj.GreaterThanOrEqual,
}
MIRRORED = {ast.LessThan: ast.GreaterThan, ast.GreaterThan: ast.LessThan, ast.LessEqual: ast.GreaterEqual}
MIRRORED[ast.GreaterEqual] = ast.LessEqual

# CQL2 1.0 temporal operators on intervals [b1, e1] (the property: an instant, so b1 = e1) and
# [b2, e2] (the literal): a conjunction of comparisons (side1, operator, side2).
ALLEN = {
    ast.TimeAfter: [("b", ">", "e")],
    ast.TimeBefore: [("e", "<", "b")],
    ast.TimeContains: [("b", "<", "b"), ("e", ">", "e")],
    ast.TimeDuring: [("b", ">", "b"), ("e", "<", "e")],
    ast.TimeEquals: [("b", "=", "b"), ("e", "=", "e")],
    ast.TimeEndedBy: [("b", "<", "b"), ("e", "=", "e")],  # T_FINISHEDBY
    ast.TimeEnds: [("b", ">", "b"), ("e", "=", "e")],  # T_FINISHES
    cql2.TimeIntersects: [("b", "<=", "e"), ("e", ">=", "b")],
    ast.TimeMeets: [("e", "=", "b")],
    ast.TimeMetBy: [("b", "=", "e")],
    ast.TimeOverlappedBy: [("b", ">", "b"), ("b", "<", "e"), ("e", ">", "e")],
    ast.TimeOverlaps: [("b", "<", "b"), ("e", ">", "b"), ("e", "<", "e")],
    ast.TimeBegunBy: [("b", "=", "b"), ("e", ">", "e")],  # T_STARTEDBY
    ast.TimeBegins: [("b", "=", "b"), ("e", "<", "e")],  # T_STARTS
}
TEMPORAL_LOOKUPS = {
    "<": dj.LessThan,
    "<=": dj.LessThanOrEqual,
    ">": dj.GreaterThan,
    ">=": dj.GreaterThanOrEqual,
    "=": dj.Exact,
}
NAMES = {ast.TimeEndedBy: "T_FINISHEDBY", ast.TimeEnds: "T_FINISHES", ast.TimeBegunBy: "T_STARTEDBY"}
NAMES[ast.TimeBegins] = "T_STARTS"


def _show(value) -> str:
    if isinstance(value, Prop):
        return value.q.name
    if isinstance(value, (values.Geometry, values.Envelope)):
        return "a geometry"
    if isinstance(value, values.Interval):
        return "an interval"
    return repr(value.isoformat() if isinstance(value, (date, datetime)) else value)


def _literal(prop: Prop, value):
    """The literal, checked against the property's type. A timestamp may come as a string
    ('2026-01-01T00:00:00Z'): GDAL's OAPIF driver writes its date filters that way."""
    of_type = prop.q.type
    if of_type == queryables.TIMESTAMP and isinstance(value, str):
        moment = parse_moment(value, require_zone=True)
        if moment is None:
            raise FilterError(f"filter: {prop.q.name} is compared with {value!r}; expected an RFC 3339 timestamp")
        value = moment
    ok = {
        queryables.STRING: isinstance(value, str),
        queryables.INTEGER: isinstance(value, (int, float)) and not isinstance(value, bool),
        queryables.TIMESTAMP: isinstance(value, datetime) and value.tzinfo is not None,
    }.get(of_type, False)
    if not ok:
        expected = {
            queryables.STRING: "a string ('...')",
            queryables.INTEGER: "a number",
            queryables.TIMESTAMP: "a TIMESTAMP('...Z')",
            queryables.GEOMETRY: "a spatial function (S_INTERSECTS, ...)",
        }[of_type]
        raise FilterError(f"filter: {prop.q.name} is compared with {_show(value)}; expected {expected}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FilterError(f"filter: {prop.q.name} is compared with a number that is not finite")
    return value


class _Evaluator(Evaluator):
    def __init__(self, collection: Collection, crs: Crs):
        self.collection, self.crs = collection, crs
        self.queryables = queryables.for_collection(collection)

    def adopt(self, node, *args):
        name = type(node).__name__
        if isinstance(node, ast.Function):
            name = f"function {node.name}()"
        raise FilterError(f"filter: {name} is not supported here")

    @handle(ast.Attribute)
    def attribute(self, node):
        found = self.queryables.get(node.name)
        if found is None:
            raise FilterError(f"filter: unknown property {node.name!r} (queryables: {', '.join(self.queryables)})")
        return Prop(found)

    @handle(*values.LITERALS)
    def literal(self, node):
        return node

    @handle(type(None))
    def open_end(self, node):
        return None

    @handle(values.Geometry, values.Envelope)
    def geometry(self, node):
        return node

    @handle(values.Interval)
    def interval(self, node, start, end):
        return values.Interval(start, end)

    @handle(ast.Not)
    def not_(self, node, sub):
        return ~sub

    @handle(ast.And)
    def and_(self, node, lhs, rhs):
        return lhs & rhs

    @handle(ast.Or)
    def or_(self, node, lhs, rhs):
        return lhs | rhs

    @handle(ast.Include)
    def include(self, node):
        return FALSE if node.not_ else TRUE

    def _scalar(self, value, what: str) -> Prop:
        if not isinstance(value, Prop):
            raise FilterError(f"filter: {what} needs a property on its left, got {_show(value)}")
        if value.q.type == queryables.GEOMETRY:
            raise FilterError(f"filter: {value.q.name} is a geometry; use S_INTERSECTS, S_WITHIN or S_DWITHIN")
        return value

    @handle(ast.Equal, ast.NotEqual, ast.LessThan, ast.LessEqual, ast.GreaterThan, ast.GreaterEqual)
    def comparison(self, node, lhs, rhs):
        operator = type(node)
        if not isinstance(lhs, Prop) and isinstance(rhs, Prop):
            lhs, rhs, operator = rhs, lhs, MIRRORED.get(operator, operator)
        prop = self._scalar(lhs, "a comparison")
        if isinstance(rhs, Prop):
            raise FilterError(f"filter: comparing two properties ({prop.q.name}, {rhs.q.name}) is not supported")
        value = _literal(prop, rhs)
        if operator is ast.NotEqual:
            return ~Q(dj.Exact(prop.f, value))
        return Q(COMPARISONS[operator](prop.f, value))

    @handle(ast.Between)
    def between(self, node, lhs, low, high):
        prop = self._scalar(lhs, "BETWEEN")
        if prop.q.type == queryables.STRING:
            raise FilterError(f"filter: BETWEEN needs numbers or timestamps; {prop.q.name} is a string")
        q = Q(dj.Range(prop.f, (_literal(prop, low), _literal(prop, high))))
        return ~q if node.not_ else q

    @handle(ast.Like)
    def like(self, node, lhs):
        prop = self._scalar(lhs, "LIKE")
        if prop.q.type != queryables.STRING or not isinstance(node.pattern, str):
            raise FilterError(f"filter: LIKE needs a string property and a string pattern ({prop.q.name})")
        q = Q(Like(prop.f, Value(node.pattern)))
        return ~q if node.not_ else q

    @handle(ast.In)
    def in_(self, node, lhs, *options):
        prop = self._scalar(lhs, "IN")
        q = Q(dj.In(prop.f, [_literal(prop, o) for o in options]))
        return ~q if node.not_ else q

    @handle(ast.IsNull)
    def null(self, node, lhs):
        if not isinstance(lhs, Prop):
            raise FilterError(f"filter: IS NULL needs a property, got {_show(lhs)}")
        if lhs.q.type == queryables.GEOMETRY:  # every feature has one
            return TRUE if node.not_ else FALSE
        return Q(dj.IsNull(lhs.f, not node.not_))

    @handle(ast.TemporalPredicate, subclasses=True)
    def temporal(self, node, lhs, rhs):
        op = NAMES.get(type(node), f"T_{getattr(node.op, 'value', node.op)}")
        if not isinstance(lhs, Prop) or lhs.q.type != queryables.TIMESTAMP:
            raise FilterError(f"filter: {op} needs a timestamp property first ({', '.join(self._times())})")
        if isinstance(rhs, datetime):
            begin = end = _literal(lhs, rhs)
        elif isinstance(rhs, values.Interval):
            begin, end = (None if v is None else _literal(lhs, v) for v in (rhs.start, rhs.end))
        else:
            raise FilterError(f"filter: {op} compares {lhs.q.name} with {_show(rhs)}; expected a TIMESTAMP or INTERVAL")
        if type(node) is cql2.TimeDisjointCql2:
            return ~self._allen(lhs, cql2.TimeIntersects, begin, end)
        if type(node) not in ALLEN:
            raise FilterError(f"filter: {op} is not supported")
        return self._allen(lhs, type(node), begin, end)

    def _times(self):
        return [q.name for q in self.queryables.values() if q.type == queryables.TIMESTAMP] or ["none here"]

    @staticmethod
    def _allen(prop: Prop, kind, begin, end) -> Q:
        q = TRUE
        for _, operator, side in ALLEN[kind]:
            bound = begin if side == "b" else end
            if bound is None:  # an open end: -infinity for the beginning, +infinity for the end
                holds = (operator in ("<", "<=")) == (side == "e")
                q &= TRUE if holds else FALSE
            else:
                q &= Q(TEMPORAL_LOOKUPS[operator](prop.f, bound))
        return q

    def _geometry(self, value) -> GEOSGeometry:
        if isinstance(value, values.Envelope):
            x1, x2, y1, y2 = value.x1, value.x2, value.y1, value.y2
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (x1, x2, y1, y2)):
                raise FilterError("filter: a BBOX needs four finite numbers")
            geom = Polygon.from_bbox((x1, y1, x2, y2))
        elif isinstance(value, values.Geometry):
            try:
                geom = GEOSGeometry(spatial.geojson(value.geometry))
            except (ValueError, TypeError, GEOSException, GDALException) as exc:
                raise FilterError(f"filter: not a geometry ({exc})") from None
        else:
            raise FilterError(f"filter: expected a geometry literal, got {_show(value)}")
        return spatial.to_storage(geom, self.crs)

    def _spatial_args(self, op: str, lhs, rhs):
        if not isinstance(lhs, Prop) and isinstance(rhs, Prop) and op in ("S_INTERSECTS", "S_DISJOINT", "S_DWITHIN"):
            lhs, rhs = rhs, lhs
        if not isinstance(lhs, Prop) or lhs.q.type != queryables.GEOMETRY:
            raise FilterError(f"filter: {op} needs the property geometry first, got {_show(lhs)}")
        return self._geometry(rhs)

    @handle(ast.GeometryIntersects, ast.GeometryDisjoint, ast.GeometryWithin)
    def spatial(self, node, lhs, rhs):
        op = {ast.GeometryIntersects: "S_INTERSECTS", ast.GeometryDisjoint: "S_DISJOINT"}.get(type(node), "S_WITHIN")
        geom = self._spatial_args(op, lhs, rhs)
        if op == "S_WITHIN":
            return self.collection.spatial("within", geom)
        q = self.collection.spatial("intersects", geom)
        return ~q if op == "S_DISJOINT" else q

    @handle(ast.DistanceWithin)
    def dwithin(self, node, lhs, rhs):
        geom = self._spatial_args("S_DWITHIN", lhs, rhs)
        distance = node.distance
        if not isinstance(distance, (int, float)) or not math.isfinite(distance) or not 0 <= distance <= 2_000_000:
            raise FilterError("filter: S_DWITHIN's distance is metres, from 0 to 2,000,000")
        return self.collection.spatial("dwithin", geom, float(distance))

    @handle(ast.BBox)
    def bbox(self, node, lhs):
        if not isinstance(lhs, Prop) or lhs.q.type != queryables.GEOMETRY:
            raise FilterError("filter: BBOX needs the property geometry first")
        box = values.Envelope(node.minx, node.maxx, node.miny, node.maxy)
        return self.collection.spatial("intersects", self._geometry(box))


def condition(text: str, lang: str, collection: Collection, crs: Crs) -> Q:
    """The Django condition a filter expresses on the collection's queryset."""
    return evaluate(cql2.parse(text, lang), collection, crs)


def evaluate(tree, collection: Collection, crs: Crs) -> Q:
    """The Django condition of a parsed filter (pygeofilter's syntax tree)."""
    try:
        result = _Evaluator(collection, crs).evaluate(tree)
    except RecursionError:
        raise FilterError("filter: nested too deeply") from None
    if not isinstance(result, Q):
        raise FilterError(f"filter: {_show(result)} is not a condition")
    return result
