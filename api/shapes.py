"""The shapes of the native API's answers that are not a complaint's own representation
(complaints/representations/types.py): pages, compositions, and the answers of the other
endpoints. api/schema.py turns them into OpenAPI components (api/typed_schema.py)."""

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from complaints.representations.marks import Doc, Moment, Url
from complaints.representations.types import (
    AgencyRef,
    ComplaintProperties,
    ConfirmationAnswer,
    DeliveryPayload,
    DeliveryReport,
    Photo,
    PublicComplaint,
    Status,
)


class Link(TypedDict):
    rel: str
    href: Url
    type: NotRequired[str]


class RouteRule(TypedDict):
    id: int
    note: str
    chain: Annotated[list[str], Doc("the agency kinds tried, in order")]


class Candidate(TypedDict):
    id: int
    distance_m: float
    age_hours: float
    status: Status
    score: float


class Duplicates(TypedDict):
    category: str
    radius_m: float
    days: float
    candidates: Annotated[list[Candidate], Doc("best score first")]


class DuplicatesOfComplaint(Duplicates):
    id: int


class FiledComplaint(PublicComplaint):
    duplicates: Annotated[Duplicates, Doc("the open complaints this report may repeat (docs/duplicates.md)")]


class ComplaintWithReports(PublicComplaint):
    reports: Annotated[list[int], Doc("the reports merged into this complaint")]
    deliveries: NotRequired[Annotated[list[DeliveryReport], Doc("for the complaint's agency and operators")]]


class ComplaintPage(TypedDict):
    count: int
    results: list[PublicComplaint]
    links: list[Link]


class PointGeometry(TypedDict):
    type: Literal["Point"]
    coordinates: Annotated[list[float], Doc("lon, lat")]


class Geometry(TypedDict):
    type: str
    coordinates: Annotated[list[Any], Doc("GeoJSON coordinates of the type")]


class ComplaintFeature(TypedDict):
    type: Literal["Feature"]
    id: int
    geometry: PointGeometry
    properties: ComplaintProperties


class ComplaintFeatureCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[ComplaintFeature]
    numberMatched: NotRequired[Annotated[int, Doc("exact; left out where counting is not cheap (docs/layers.md)")]]
    numberReturned: int
    links: list[Link]


class BoundaryProperties(TypedDict):
    code: str
    pcode: str
    level: str
    name_th: str
    name_en: str
    parent_code: str
    generation: int


class BoundaryFeature(TypedDict):
    type: Literal["Feature"]
    id: str
    properties: BoundaryProperties
    geometry: Geometry | None


class BoundaryFeatureCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[BoundaryFeature]
    numberMatched: int
    numberReturned: int
    links: list[Link]


class ChoroplethProperties(BoundaryProperties):
    complaints: int
    problems: int
    followers: int
    open: int
    finished: int
    backlog: int
    overdue: int
    escalated: int
    reopen_rate: float | None
    resolution_h_median: float | None


class ChoroplethFeature(TypedDict):
    type: Literal["Feature"]
    id: str
    properties: ChoroplethProperties
    geometry: Geometry | None


class Choropleth(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[ChoroplethFeature]


class StatsRow(TypedDict):
    key: Annotated[str | None, Doc("the group's code (or status, category)")]
    name_th: str | None
    name_en: str | None
    complaints: int
    problems: int
    followers: int
    open: int
    finished: int
    response_h_median: float | None
    response_h_p90: float | None
    resolution_h_median: float | None
    resolution_h_p90: float | None
    backlog: int
    overdue: int
    escalated: int
    reopen_rate: float
    rating_count: NotRequired[int]
    rating_mean: NotRequired[float | None]
    rating_rank: NotRequired[int | None]
    not_fixed: NotRequired[int]


class Stats(TypedDict):
    group: str
    rows: list[StatsRow]


class TrendRow(TypedDict):
    period: Moment
    filed: int
    resolved: int


class StatsTrend(TypedDict):
    interval: Literal["day", "week", "month"]
    rows: list[TrendRow]


class TopCategory(TypedDict):
    category: str | None
    complaints: int


class TopRow(TypedDict):
    key: str | None
    top: list[TopCategory]


class StatsTop(TypedDict):
    group: str
    rows: list[TopRow]


class ConfirmationReply(ConfirmationAnswer):
    status: Status | None


class DeliveryPage(TypedDict):
    count: int
    results: list[DeliveryReport]


class AgencyPaused(TypedDict):
    agency: str
    paused: Literal[True]
    paused_at: Moment


class AgencyResumed(TypedDict):
    agency: str
    paused: Literal[False]
    released: Annotated[int, Doc("deliveries queued again")]


class DeliveryProblem(TypedDict):
    error: str
    configuration: NotRequired[bool]
    at: NotRequired[Moment]


class UnreachableAgency(TypedDict):
    agency: AgencyRef
    unreachable: int
    dead: int
    paused: bool
    problems: Annotated[dict[str, DeliveryProblem], Doc("configuration problems by kind")]


class Unreachable(TypedDict):
    agencies: int
    unreachable_deliveries: int
    dead_deliveries: int
    results: list[UnreachableAgency]


class DeadLetter(TypedDict):
    delivery_id: str
    after: str
    next: str
    changes: int
    reason: str
    message: str
    at: Moment


class Subscription(TypedDict):
    id: int
    callback_url: Url
    created: Moment
    position: Annotated[str, Doc("the change-feed position delivered up to")]
    state: Literal["ok", "retrying"]
    attempts: int
    next_attempt_at: Moment | None
    last_status: int | None
    last_error: str | None
    delivered_at: Moment | None
    delivered_changes: int
    dead_letters: list[DeadLetter]
    secret: NotRequired[Annotated[str, Doc("in the answer to the registration only")]]


class SubscriptionPage(TypedDict):
    results: list[Subscription]


class PhotoModeration(TypedDict):
    id: int
    complaint: int
    hidden: bool
    photos: list[Photo]


class Erasure(TypedDict):
    anonymised: Annotated[list[int], Doc("the complaints whose reporter's data was removed")]
    copies_rewritten: Annotated[int, Doc("rows of copies (deliveries, history) rewritten")]


class ExportedActor(TypedDict):
    role: str
    agency: str | None
    name: str | None


ExportedHistoryEntry = TypedDict(
    "ExportedHistoryEntry",
    {
        "id": int,
        "event": str,
        "action": str | None,
        "from": str | None,
        "to": str | None,
        "actor": ExportedActor,
        "note": str | None,
        "note_hidden": bool,
        "photo_url": str | None,
        "data": dict[str, Any],
        "at": Moment,
    },
)


class ExportedConfirmation(TypedDict):
    id: int
    asked_at: Moment
    expires_at: Moment
    answered_at: Moment | None
    fixed: bool | None
    rating: int | None
    comment: str | None


class ExportedDelivery(TypedDict):
    id: str
    agency: str
    channel: str
    kind: str
    state: str
    created: Moment
    delivered_at: Moment | None
    payload: DeliveryPayload


class ExportedReporter(TypedDict):
    name: str | None
    contact: str | None


class ExportedComplaint(TypedDict):
    id: int
    reporter: ExportedReporter
    source: str
    client_ticket_id: str | None
    status: Status
    categories: list[str]
    description: str
    description_hidden: bool
    photo_url: str | None
    lon: float
    lat: float
    agency: str | None
    created: Moment
    anonymised_at: Moment | None
    history: list[ExportedHistoryEntry]
    confirmations: list[ExportedConfirmation]
    deliveries: list[ExportedDelivery]
    photos: NotRequired[list[Photo]]


class SubjectAccessExport(TypedDict):
    contact: str
    generated_at: Moment
    complaints: list[ExportedComplaint]


class Database(TypedDict):
    reachable: bool
    postgis: str


class ActiveGeneration(TypedDict):
    id: int
    layer: str
    activated_at: Moment | None
    boundaries: Annotated[dict[str, int], Doc("level -> number of boundaries")]


class Health(TypedDict):
    status: Literal["ok"]
    database: Database
    generations: list[ActiveGeneration]
