import csv
import functools
import io
import json
from collections.abc import Iterable

from django.http import HttpResponse, QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import params
from boundaries import cached, geojson
from boundaries.models import Boundary
from complaints import ratings, stats
from routing.models import Agency, Category, LocalGovernment

from .. import heavy_reads, schema

COMMON = [
    schema.query("since", schema.OpenApiTypes.DATETIME),
    schema.query("until", schema.OpenApiTypes.DATETIME),
    schema.query("category"),
    schema.query("area", description="province, district or subdistrict code (prefix) or local government code"),
    schema.query("agency"),
]


def scope_of(q: QueryDict) -> stats.Scope:
    since, until = params.in_order(params.moment(q, "since"), params.moment(q, "until"), "since", "until")
    return stats.Scope(
        since,
        until,
        q.get("category") or None,
        q.get("area") or None,
        q.get("agency") or None,
    )


def names_for(group: str, keys: Iterable[str | None]) -> dict:
    keys = [k for k in keys if k]
    if group in stats.ADMIN_GROUPS:
        rows = Boundary.objects.active().filter(level=group, code__in=keys).values_list("code", "name_th", "name_en")
    elif group == "local_government":
        rows = LocalGovernment.objects.filter(code__in=keys).values_list("code", "name_th", "name_en")
    elif group == "agency":
        rows = Agency.objects.filter(code__in=keys).values_list("code", "name_th", "name_en")
    elif group == "category":
        rows = Category.objects.filter(code__in=keys).values_list("code", "name_th", "name_en")
    else:
        return {}
    return {code: (th, en) for code, th, en in rows}


# Finer than this (about 50 m), a choropleth of the whole country is refused; an area may have it.
MIN_NATIONAL_SIMPLIFY = 0.0005


GEOMETRY = ', "geometry": '


def split(feature: str) -> tuple[str, str, str]:
    """A feature string (boundaries/geojson.py) as its id, its text up to the end of its
    properties (open, for more to be added) and the rest: the figures are spliced in per request
    without parsing the geometry again."""
    head, rest = feature.split(GEOMETRY, 1)
    return json.loads(head + "}")["id"], head[:-1], rest


def stats_cost(request: Request) -> int:
    """Rate-limit units: a choropleth carries every polygon of its level."""
    return 20 if request.GET.get("format") == "geojson" else 2


class Stats(APIView):
    """Figures by jurisdiction, agency, category or status, as JSON, CSV or choropleth GeoJSON."""

    cost = staticmethod(stats_cost)

    @extend_schema(
        parameters=[
            schema.query("group", enum=list(stats.GROUPS)),
            *COMMON,
            schema.query("format", enum=["json", "csv", "geojson"]),
            schema.query("simplify", schema.OpenApiTypes.DOUBLE),
        ],
        responses={
            (200, "application/json"): schema.STATS,
            (200, "text/csv"): schema.OpenApiTypes.STR,
            (200, "application/geo+json"): schema.STATS_FEATURES,
            400: schema.ERROR,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        group = params.choice(q, "group", list(stats.GROUPS), default="province")
        fmt = params.choice(q, "format", ["json", "csv", "geojson"], default="json")
        scope = scope_of(q)
        rows = stats.summary(group, scope)
        if group == "agency":
            ratings.annotate(rows, scope)  # "is it fixed?" ratings, ranked past the minimum count
        labels = names_for(group, [r["key"] for r in rows])
        for row in rows:
            row["name_th"], row["name_en"] = labels.get(row["key"], (None, None))
        if fmt == "csv":
            out = io.StringIO()
            columns = (
                ["key", "name_th", "name_en", *[c for c in rows[0] if c not in ("key", "name_th", "name_en")]]
                if rows
                else ["key"]
            )
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
            response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="stats-{group}.csv"'
            return response
        if fmt == "geojson":
            if group not in stats.ADMIN_GROUPS:
                raise params.bad("format", f"geojson needs group={', '.join(stats.ADMIN_GROUPS)}")
            return self._choropleth(request, group, scope, rows)
        return Response({"group": group, "rows": rows})

    def _choropleth(self, request: Request, group: str, scope: stats.Scope, rows: list[dict]) -> HttpResponse:
        simplify = params.number(request.query_params, "simplify", default=0.001, minimum=0, maximum=1)
        if simplify < MIN_NATIONAL_SIMPLIFY and not scope.area:
            raise params.bad(
                "simplify",
                f"below {MIN_NATIONAL_SIMPLIFY} degrees (about 50 m) a choropleth needs an area (a province or"
                " district code): the whole country at that detail is tens of megabytes",
            )
        by_key = {r["key"]: r for r in rows}
        polygons = Boundary.objects.active().filter(level=group).order_by("code")
        prefix = scope.area[: {"province": 2, "district": 4}.get(group, 6)] if scope.area else ""
        if prefix:
            polygons = polygons.filter(code__startswith=prefix)
        counts = ("complaints", "problems", "followers", "open", "finished", "backlog", "overdue", "escalated")
        figures = (*counts, "reopen_rate", "resolution_h_median")
        # The polygons depend only on the boundary generation: drawn once, then from the shared cache.
        # `simplify` snapped to a few steps keeps the variants (and so the cold draws) few; a cold
        # draw is guarded and charged (api/heavy_reads.py). Drawn from the full geometry:
        # simplifying the lighter rendition again can leave rings GEOS cannot snap to the grid.
        simplify = heavy_reads.snap(simplify)
        drawn = functools.partial(geojson.features, polygons, precision=5, simplify=simplify or None)
        guard = heavy_reads.cold(request, whole_country=not prefix)
        name = f"choropleth:{group}:{prefix}:{simplify!r}"
        shapes = cached.value(name, lambda: [split(t) for t in drawn()], cold=guard)
        features = []
        for code, head, geometry in shapes:
            row = by_key.get(code, {})
            values = {f: row.get(f, 0 if f in counts else None) for f in figures}
            features.append(f"{head}, {json.dumps(values)[1:-1]}}}{GEOMETRY}{geometry}")
        body = geojson.feature_collection(features)
        heavy_reads.charge_bytes(request, len(body), already=stats_cost(request))
        response = HttpResponse(body, content_type="application/geo+json")
        response["X-Simplify"] = repr(simplify)  # the step applied
        return response


class StatsTrend(APIView):
    @extend_schema(
        parameters=[schema.query("interval", enum=list(stats.INTERVALS)), *COMMON],
        responses={200: schema.STATS_TREND, 400: schema.ERROR},
    )
    def get(self, request: Request) -> HttpResponse:
        interval = params.choice(request.query_params, "interval", list(stats.INTERVALS), default="day")
        return Response({"interval": interval, "rows": stats.trend(interval, scope_of(request.query_params))})


class StatsTop(APIView):
    @extend_schema(
        parameters=[
            schema.query("group", enum=list(stats.GROUPS)),
            schema.query("n", schema.OpenApiTypes.INT),
            *COMMON,
        ],
        responses={200: schema.STATS_TOP, 400: schema.ERROR},
    )
    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        group = params.choice(q, "group", list(stats.GROUPS), default="district")
        n = params.integer(q, "n", default=3, minimum=1, maximum=20)
        return Response({"group": group, "rows": stats.top_categories(group, n, scope_of(q))})
