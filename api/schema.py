"""OpenAPI documentation pieces (drf-spectacular) for views that build their answers by hand."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from complaints.representations import types as representations
from routing.engine.points import MAX_BATCH

from . import shapes
from .typed_schema import component


class IntakeKeyScheme(OpenApiAuthenticationExtension):
    target_class = "access.auth.IntakeKeyAuthentication"
    name = "intakeKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "an intake system's API key"}


class StaffBasicScheme(OpenApiAuthenticationExtension):
    target_class = "access.auth.GuardedBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "agency staff; repeated failures lock the account and the address out (429)",
        }


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
    {
        **POINT_FIELDS,
        "within": serializers.FloatField(required=False, min_value=0, max_value=1000),
        "duplicates": serializers.BooleanField(
            required=False, help_text="also the open complaints this report may repeat (docs/duplicates.md)"
        ),
        "description": serializers.CharField(required=False, help_text="scores the duplicate candidates' text"),
    },
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
# Every answer carries its reason as an object in both languages, matched or not.
REASON = component(representations.Reason)
ROUTE_RESULT = inline_serializer(
    "RouteResult",
    {
        "id": serializers.JSONField(required=False),
        "lon": serializers.FloatField(),
        "lat": serializers.FloatField(),
        "status": serializers.ChoiceField(["matched", "snapped", "unmatched"]),
        "generation": serializers.IntegerField(allow_null=True),
        "jurisdictions": serializers.DictField(
            child=component(representations.Jurisdiction),
            help_text="level -> {code, name_th, name_en, ...}, with local_government; empty when unmatched",
        ),
        "on_boundary": serializers.BooleanField(),
        "categories": serializers.ListField(child=serializers.CharField()),
        "agency": type(component(representations.AgencyRef))(allow_null=True),
        "reason": REASON,
        "confidence": serializers.ChoiceField(["exact", "partial", "fallback", "none"]),
        "rule": type(component(shapes.RouteRule))(allow_null=True),
        "alternatives": serializers.ListField(child=component(representations.Alternative)),
        "snapped_m": serializers.FloatField(required=False),
        "duplicates": type(component(shapes.Duplicates))(required=False, help_text="with duplicates=1"),
    },
)
ROUTE_BATCH_RESULT = inline_serializer(
    "RouteBatchResult",
    {
        "generation": serializers.JSONField(),
        "count": serializers.IntegerField(),
        "results": serializers.ListField(child=ROUTE_RESULT),
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
        "action": serializers.ChoiceField(
            ["start", "forward", "follow_up", "finish", "reject", "reopen", "reply", "note", "not_ours"]
        ),
        "note": serializers.CharField(
            required=False, help_text="reply, note (internal) and not_ours: the text or reason (required)"
        ),
        "expected_revision": serializers.IntegerField(required=False, help_text="409 changed_meanwhile if not"),
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
CHANGES_PARAMETERS = [
    query("after", description="the `next` of the previous page; empty: from the beginning"),
    query("limit", OpenApiTypes.INT, description="1..1000 (default 100)", default=100),
    query("complaint", OpenApiTypes.INT, description="only this complaint's changes"),
]
CHANGE_FIELDS = {
    "position": serializers.CharField(help_text="opaque; pass as `after` to read on from here"),
    "complaint_id": serializers.IntegerField(),
    "client_ticket_id": serializers.CharField(allow_null=True),
    "event": serializers.CharField(help_text="created, transition, rerouted, escalated, reminded, delivered ..."),
    "action": serializers.CharField(allow_null=True),
    "from": serializers.CharField(allow_null=True),
    "to": serializers.CharField(allow_null=True),
    "actor": inline_serializer(
        "ChangeActor",
        {
            "role": serializers.CharField(help_text="intake, staff, operator, agency_system or system"),
            "agency": serializers.CharField(allow_null=True),
        },
    ),
    "note": serializers.CharField(allow_null=True),
    "photo_url": serializers.CharField(allow_null=True),
    "data": serializers.JSONField(),
    "at": serializers.DateTimeField(),
}
CHANGES_PAGE = inline_serializer(
    "ChangesPage",
    {
        "changes": inline_serializer("Change", CHANGE_FIELDS, many=True),
        "next": serializers.CharField(help_text="where to read on; the same when nothing new was committed"),
        "more": serializers.BooleanField(help_text="true when the page was full: read on at once"),
    },
)
SUBSCRIPTION_REQUEST = inline_serializer(
    "SubscriptionRequest",
    {
        "callback_url": serializers.URLField(help_text="receives POSTs of changes, signed with the secret"),
        "after": serializers.CharField(
            required=False, help_text="a change-feed position to start after; default: changes from now on"
        ),
    },
)

# Answers, generated from the types their code returns (api/shapes.py, complaints/representations).
COMPLAINT = component(representations.PublicComplaint)
STAFF_COMPLAINT = component(representations.StaffComplaint)
FILED_COMPLAINT = component(shapes.FiledComplaint)
COMPLAINT_WITH_REPORTS = component(shapes.ComplaintWithReports)
COMPLAINT_PAGE = component(shapes.ComplaintPage)
COMPLAINT_FEATURES = component(shapes.ComplaintFeatureCollection)
DUPLICATES = component(shapes.DuplicatesOfComplaint)
CONFIRMATION = component(shapes.ConfirmationReply)
BOUNDARY_FEATURES = component(shapes.BoundaryFeatureCollection)
BOUNDARY_FEATURE = component(shapes.BoundaryFeature)
STATS = component(shapes.Stats)
STATS_FEATURES = component(shapes.Choropleth)
STATS_TREND = component(shapes.StatsTrend)
STATS_TOP = component(shapes.StatsTop)
DELIVERY = component(representations.DeliveryReport)
DELIVERY_PAGE = component(shapes.DeliveryPage)
AGENCY_PAUSED = component(shapes.AgencyPaused)
AGENCY_RESUMED = component(shapes.AgencyResumed)
UNREACHABLE = component(shapes.Unreachable)
SUBSCRIPTION = component(shapes.Subscription)
SUBSCRIPTION_PAGE = component(shapes.SubscriptionPage)
PHOTO_MODERATION = component(shapes.PhotoModeration)
ERASURE = component(shapes.Erasure)
SUBJECT_ACCESS_EXPORT = component(shapes.SubjectAccessExport)
HEALTH = component(shapes.Health)

# Requests that are not a complaint's representation.
CONTACT_REQUEST = inline_serializer(
    "ContactRequest", {"contact": serializers.CharField(help_text="the reporter's phone number or e-mail address")}
)
CONFIRMATION_REQUEST = inline_serializer(
    "ConfirmationRequest",
    {
        "fixed": serializers.BooleanField(help_text="false reopens the complaint"),
        "rating": serializers.IntegerField(required=False, min_value=1, max_value=5),
        "comment": serializers.CharField(required=False, max_length=2000),
    },
)
MODERATION_REQUEST = inline_serializer(
    "ModerationRequest",
    {
        "target": serializers.ChoiceField(["description", "note"]),
        "entry": serializers.IntegerField(required=False, help_text="the history entry, for a note"),
        "reason": serializers.CharField(),
        "hidden": serializers.BooleanField(required=False, default=True),
    },
)
PHOTO_MODERATION_REQUEST = inline_serializer(
    "PhotoModerationRequest", {"reason": serializers.CharField(required=False)}
)
