"""The shapes of a complaint's representations, written once: the functions beside this module
return them and the OpenAPI document is generated from them (api/typed_schema.py).

Fields that only some answers carry are NotRequired; `| None` means the key is there with null."""

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from .marks import Doc, Moment, Url

Status = Literal["waiting", "in_progress", "forwarded", "follow_up", "finished", "irrelevant"]
Confidence = Literal["exact", "partial", "fallback", "none"]


class AgencyRef(TypedDict):
    code: str
    name_th: str
    name_en: str
    kind: NotRequired[str]
    contacts: NotRequired[Annotated[dict[str, str], Doc("channel -> address, where the agency has any")]]


class Reason(TypedDict):
    th: str
    en: str


class PossibleLocalGovernment(TypedDict):
    code: str
    name_th: str
    coverage: str


class Jurisdiction(TypedDict):
    code: str
    name_th: NotRequired[str]
    name_en: NotRequired[str]
    generation: NotRequired[int]
    on_boundary: NotRequired[bool]
    snapped_m: NotRequired[float]
    kind: NotRequired[Annotated[str, Doc("local government: municipality kind, sao or bma")]]
    coverage: NotRequired[str]
    confidence: NotRequired[str]
    also_possible: NotRequired[list[PossibleLocalGovernment]]


class Alternative(TypedDict):
    agency: AgencyRef
    why: str


class Actor(TypedDict):
    role: Annotated[str, Doc("intake, staff, operator, agency_system or system")]
    agency: str | None
    name: NotRequired[Annotated[str | None, Doc("the staff member: for the agency's own staff only")]]


# "from" is a keyword: the functional form.
HistoryEntry = TypedDict(
    "HistoryEntry",
    {
        "event": Annotated[str, Doc("created, transition, rerouted, merged, reply, internal_note (staff) ...")],
        "action": str | None,
        "from": str | None,
        "to": str | None,
        "actor": Actor,
        "note": str | None,
        "photo_url": str | None,
        "data": dict[str, Any],
        "at": Moment,
    },
)


class SimilarPhoto(TypedDict):
    photo: int
    complaint: int
    kind: str
    distance: Annotated[int, Doc("bits apart (pHash)")]


class Photo(TypedDict):
    id: int
    kind: Literal["before", "after"]
    url: Url
    thumbnail_url: Url
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    created: Moment
    hidden: NotRequired[bool]
    hidden_reason: NotRequired[str | None]
    phash: NotRequired[Annotated[str, Doc("64-bit perceptual hash, hexadecimal")]]
    similar: NotRequired[list[SimilarPhoto]]


class ComplaintProperties(TypedDict):
    """The fields of a complaint but its place (GeoJSON properties)."""

    id: int
    status: Status
    categories: list[str]
    description: Annotated[str | None, Doc("null when hidden by a moderator (but for the agency's staff)")]
    description_hidden: bool
    photo_url: str | None
    agency: AgencyRef | None
    reason: Reason | None
    confidence: Confidence | None
    alternatives: list[Alternative]
    reopen_count: int
    parent: Annotated[int | None, Doc("the complaint this report was merged into")]
    due_at: Moment | None
    overdue: bool
    escalation_level: int
    escalated_to: Annotated[str | None, Doc("agency code")]
    source: Annotated[str, Doc("the intake system")]
    client_ticket_id: str | None
    generation: int | None
    created: Moment
    updated: Moment
    photos: list[Photo]


class _Complaint(ComplaintProperties):
    lon: float
    lat: float
    jurisdictions: Annotated[dict[str, Jurisdiction], Doc("level -> jurisdiction, with local_government")]


class PublicComplaint(_Complaint):
    """What anyone may read (masked text, actors as role and agency); with history on the detail."""

    history: NotRequired[list[HistoryEntry]]


class DeliveryAttempt(TypedDict):
    number: int
    at: Moment
    duration_ms: int
    status_code: int | None
    error: Annotated[str | None, Doc("a status class: refused, timeout, unreachable, http_4xx, http_5xx ...")]
    detail: NotRequired[Annotated[str | None, Doc("what the receiver or the network said: operators only")]]
    outcome: str
    next_attempt_at: Moment | None


class DeliveryReport(TypedDict):
    id: Annotated[str, Doc("the delivery's UUID")]
    complaint: int
    agency: Annotated[str, Doc("agency code")]
    channel: str
    kind: str
    state: str
    reason: str | None
    attempts: int
    next_attempt_at: Moment | None
    last_status: int | None
    last_error: str | None
    remote_id: str | None
    remote_status: str | None
    created: Moment
    delivered_at: Moment | None
    attempt_log: NotRequired[list[DeliveryAttempt]]


class ConfirmationAnswer(TypedDict):
    complaint_id: int
    fixed: bool | None
    rating: int | None
    asked_at: Moment
    answered_at: Moment | None
    expires_at: Moment


class StaffComplaint(_Complaint):
    """What the agency's own staff see: the text as written, who did what, every history entry
    (internal notes included), the merged reports, the deliveries and the "is it fixed?" answer."""

    revision: Annotated[int, Doc("send it back as expected_revision: a change made meanwhile is refused")]
    history: list[HistoryEntry]
    reports: Annotated[list[int], Doc("the reports merged into this complaint")]
    deliveries: list[DeliveryReport]
    confirmation: Annotated[ConfirmationAnswer | None, Doc("the latest question and its answer")]


class DeliveryDecision(TypedDict):
    agency: AgencyRef | None
    reason: Reason | None
    confidence: Confidence | None
    alternatives: list[Alternative]


class DeliveryLinks(TypedDict):
    complaint: Url
    workspace: Url
    open311: Url


class DeliveryPayload(TypedDict):
    """What an agency is sent; fixed when scheduled, so every retry sends the same."""

    delivery_id: str
    kind: str
    sent_to: AgencyRef
    complaint: PublicComplaint
    decision: DeliveryDecision
    note: str | None
    links: DeliveryLinks
    scheduled_at: Moment


class Open311Service(TypedDict):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class Open311Request(TypedDict):
    """GeoReport v2 service request (JSON; the XML carries the same elements)."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float
    long: float
    media_url: str | None
