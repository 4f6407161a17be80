"""OpenAPI documentation pieces (drf-spectacular) for views that build their answers by hand."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from routing.engine.points import MAX_BATCH


class IntakeKeyScheme(OpenApiAuthenticationExtension):
    target_class = "access.auth.IntakeKeyAuthentication"
    name = "intakeKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "an intake system's API key"}


ERROR = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.JSONField(required=False),
            },
        )
    },
)

POINT_FIELDS = {
    "id": serializers.JSONField(required=False, help_text="echoed back"),
    "lon": serializers.FloatField(min_value=-180, max_value=180),
    "lat": serializers.FloatField(min_value=-90, max_value=90),
    "category": serializers.CharField(required=False, help_text="a category code, e.g. street_light"),
    "categories": serializers.ListField(child=serializers.CharField(), required=False),
}

ROUTE_REQUEST = inline_serializer(
    "RouteRequest",
    {**POINT_FIELDS, "within": serializers.FloatField(required=False, min_value=0, max_value=1000)},
)
ROUTE_BATCH_REQUEST = inline_serializer(
    "RouteBatchRequest",
    {
        "points": serializers.ListField(
            child=inline_serializer("RoutePoint", POINT_FIELDS),
            max_length=MAX_BATCH,
            help_text="or post a GeoJSON FeatureCollection of points",
        ),
        "within": serializers.FloatField(required=False, min_value=0, max_value=1000),
    },
)
COMPACT = OpenApiParameter(
    "compact",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["0", "1", "true", "false"],
    description="1: per point only its id, status, the three codes and the agency code (default: the full answer)",
)
COMPACT_RESULT = inline_serializer(
    "RouteCompactResult",
    {
        "id": serializers.JSONField(),
        "status": serializers.ChoiceField(["matched", "snapped", "unmatched"]),
        "province_code": serializers.CharField(allow_null=True),
        "district_code": serializers.CharField(allow_null=True),
        "subdistrict_code": serializers.CharField(allow_null=True),
        "agency_code": serializers.CharField(allow_null=True),
    },
)
ROUTE_BATCH_ANSWER = inline_serializer(
    "RouteBatchAnswer",
    {
        "generation": serializers.IntegerField(allow_null=True),
        "count": serializers.IntegerField(),
        "results": serializers.ListField(
            child=serializers.JSONField(), help_text="full answers, or RouteCompactResult objects with compact=1"
        ),
    },
)
COMPLAINT_REQUEST = inline_serializer(
    "ComplaintRequest",
    {
        **POINT_FIELDS,
        "description": serializers.CharField(required=False, max_length=5000),
        "photo_url": serializers.URLField(required=False),
        "reporter": inline_serializer(
            "Reporter",
            {"name": serializers.CharField(required=False), "contact": serializers.CharField(required=False)},
        ),
        "client_ticket_id": serializers.CharField(required=False, help_text="the intake system's own ticket id"),
    },
)
CORRECTION_REQUEST = inline_serializer("ComplaintCorrection", POINT_FIELDS)
TRANSITION_REQUEST = inline_serializer(
    "ComplaintTransitionRequest",
    {
        "action": serializers.ChoiceField(["start", "forward", "follow_up", "finish", "reject", "reopen"]),
        "note": serializers.CharField(required=False),
        "photo_url": serializers.URLField(required=False, help_text="after-photo"),
        "agency": serializers.CharField(required=False, help_text="forward: the receiving agency's code"),
    },
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, description="retries with it return the first result"
)


def query(name, kind=OpenApiTypes.STR, description="", **extra):
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, **extra)


BOUNDARY_PARAMETERS = [
    query("level", enum=["province", "district", "subdistrict", "municipality", "sao", "service_area"]),
    query("parent", description="parent DOPA code"),
    query("bbox", description="minlon,minlat,maxlon,maxlat (intersects)"),
    query("generation", OpenApiTypes.INT, description="a generation id; default: the active ones"),
    query("simplify", OpenApiTypes.DOUBLE, description="tolerance in degrees (0..1)"),
    query("precision", OpenApiTypes.INT, description="decimals, 0..10 (default 7)"),
    query("limit", OpenApiTypes.INT, description="1..1000 (default 100)", default=100),
    query("offset", OpenApiTypes.INT),
]
COMPLAINT_PARAMETERS = [
    query("status", enum=["waiting", "in_progress", "forwarded", "follow_up", "finished", "irrelevant"]),
    query("category"),
    query("agency", description="agency code"),
    query("jurisdiction", description="province, district, subdistrict or local government code"),
    query("bbox", description="minlon,minlat,maxlon,maxlat"),
    query("since", OpenApiTypes.DATETIME),
    query("until", OpenApiTypes.DATETIME),
    query("format", enum=["json", "geojson"]),
    query("limit", OpenApiTypes.INT, default=100),
    query("offset", OpenApiTypes.INT),
]
OBJECT = OpenApiTypes.OBJECT
