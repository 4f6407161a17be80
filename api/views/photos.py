"""Photos on the native API: read from multipart requests (filing and transitions), served from
storage with caching headers, hidden and shown again by the complaint's staff."""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from access.auth import AgencyStaffPermission, ReadPublicOrAuthenticated, intake_key_of, sees_personal_data
from complaints.models import Complaint
from geo.http.errors import ApiError
from params import text_problem
from photos import cost, moderation, publish, store
from photos.models import Photo
from photos.processing import STORED_TYPE, THUMBNAIL_TYPE, PhotoError

from .. import schema
from ..parsers import BodyError, GeoJSONParser, JSONParser, parse_json
from .actors import actor_of

FIELD = "photo"


@extend_schema_field({"type": "string", "format": "binary"})
class _File(serializers.FileField):
    pass


_PHOTOS = serializers.ListField(child=_File(), required=False, help_text="JPEG, PNG, WebP or HEIC; see docs/photos.md")
COMPLAINT_MULTIPART = inline_serializer(
    "ComplaintWithPhotos",
    {
        "complaint": serializers.CharField(help_text="the JSON body of a complaint, as one part"),
        FIELD: _PHOTOS,
    },
)
TRANSITION_MULTIPART = inline_serializer(
    "TransitionWithPhotos",
    {
        "action": serializers.ChoiceField(["start", "forward", "follow_up", "finish", "reject", "reopen"]),
        "note": serializers.CharField(required=False),
        "agency": serializers.CharField(required=False),
        FIELD: _PHOTOS,
    },
)


def requests(json_schema, multipart_schema) -> dict:
    """The OpenAPI request bodies of an endpoint that takes JSON or multipart with photos."""
    return {
        "application/json": json_schema,
        "application/geo+json": json_schema,
        "multipart/form-data": multipart_schema,
    }


# The complaint endpoints read JSON, and multipart/form-data when photos come with it.
PARSERS = [JSONParser, GeoJSONParser, MultiPartParser]
# Visible photos: a browser keeps its own copy a minute; shared caches (proxies, CDNs) must ask
# again each time (s-maxage=0 includes proxy-revalidate; a 304 while visible), so a hidden or
# erased photo is gone from them at once (docs/photos.md#serving).
PUBLIC_CACHE = "public, max-age=60, s-maxage=0"
# The JSON of a complaint, as the JSON body's own limit (api/views/complaints.MAX_COMPLAINT_BODY).
MAX_COMPLAINT_PART = 1024 * 1024


def is_multipart(request) -> bool:
    return (request.content_type or "").startswith("multipart/form-data")


def _form(request):
    try:
        data, files = request.data, request.FILES
    except (SuspiciousOperation, RequestDataTooBig) as exc:  # e.g. more files than allowed
        raise ApiError(400, "malformed_request", f"multipart body: {exc}") from None
    for name, values in data.lists():  # what the JSON parser checks, for form fields
        for value in (name, *values):
            problem = text_problem(value) if isinstance(value, str) else None
            if problem:
                raise ApiError(400, "invalid", f"{name[:40]}: {problem}", {"field": name[:40]})
    return data, files


def photo_error(exc: PhotoError) -> ApiError:
    details = {"field": FIELD, "problem": exc.code}
    if getattr(exc, "index", None) is not None:
        details["index"] = exc.index
    return ApiError(400, "invalid_photo", f"{FIELD}: {exc.message}", details)


def prepared(request) -> list:
    """The request's `photo` files processed (nothing stored yet); 400 for the first refused one."""
    if not is_multipart(request):
        return []
    _, files = _form(request)
    other = sorted(set(files) - {FIELD, "complaint"})
    if other:  # a photo under another name would otherwise be lost without a word
        message = f"file part {other[0][:40]!r}: photos are sent as `{FIELD}` parts"
        raise ApiError(400, "invalid", message, {"field": other[0][:40]})
    uploads = files.getlist(FIELD)
    prepaid = getattr(request._request, PREPAID, 0) if uploads else 0
    try:
        return store.prepare(uploads, payer=_payer(request), prepaid=prepaid)
    except PhotoError as exc:
        raise photo_error(exc) from None
    except (cost.Busy, cost.OverBudget) as exc:
        raise cost_error(exc) from None


PREPAID = "geo_photo_prepaid"


def _payer(request) -> str:
    return cost.payer(key=intake_key_of(request), user=request.user, address=request.META.get("REMOTE_ADDR", ""))


def precheck(request) -> None:
    """Before a multipart body is parsed: refused at once (503 or 429, the body drained unparsed)
    when its photos could not be decoded now (photos/cost.py precheck)."""
    if not is_multipart(request):
        return
    try:
        cost.precheck(_payer(request))
    except (cost.Busy, cost.OverBudget) as exc:
        while request._request.read(1 << 20):  # read, not parsed: the client sees the answer, not a reset
            pass
        raise cost_error(exc) from None
    setattr(request._request, PREPAID, 1)


def cost_error(exc: cost.Busy | cost.OverBudget) -> ApiError:
    """Photos refused for what decoding them would cost now (photos/cost.py): nothing decoded or
    stored; the same request, Idempotency-Key included, may be sent again after Retry-After."""
    retry = {"Retry-After": str(int(exc.wait))}
    if isinstance(exc, cost.Busy):
        message = "every photo decoder is busy; retry shortly"
        return ApiError(503, "busy", message, {"field": FIELD, "retry_after": exc.wait}, headers=retry)
    return ApiError(429, "throttled", f"{FIELD}: {exc}", {"field": FIELD, "retry_after": exc.wait}, headers=retry)


def _number(value, name):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            message = f"{name}: must be a number, got {value[:40]!r}"
            raise ApiError(400, "invalid_point", message, {"field": name}) from None
    return value


# The filing's fields as form fields (without a `complaint` part holding them as JSON).
FORM_FIELDS = frozenset(
    {"lon", "lat", "description", "photo_url", "client_ticket_id", "category", "reporter_name", "reporter_contact"}
)


def complaint_fields(request):
    """The complaint of a multipart filing: one `complaint` part holding the JSON body, or the
    body's fields as form fields (reporter as reporter_name / reporter_contact)."""
    data, files = _form(request)
    # DRF's data holds the file parts too; those are the photos' (prepared() names a misnamed one).
    unknown = sorted(set(data) - set(files) - ({"complaint"} if "complaint" in data else FORM_FIELDS))
    if unknown:  # a field the filing does not read would otherwise be lost without a word
        names = ", ".join(repr(name[:40]) for name in unknown[:20])
        raise ApiError(400, "unknown_field", f"unknown fields: {names}", {"fields": [n[:100] for n in unknown[:20]]})
    if "complaint" in data:
        part = data["complaint"]  # a field, or a file part (curl -F complaint=@complaint.json)
        raw = part.read(MAX_COMPLAINT_PART + 1) if hasattr(part, "read") else part.encode("utf-8", "surrogatepass")
        if len(raw) > MAX_COMPLAINT_PART:
            message = f"complaint part: at most {MAX_COMPLAINT_PART:,} bytes"
            raise ApiError(400, "invalid", message, {"field": "complaint"})
        try:
            return parse_json(raw)
        except BodyError as exc:
            raise ApiError(400, exc.code, f"complaint part: {exc}", {"field": "complaint"}) from None
    fields = {k: data.get(k) for k in ("lon", "lat", "description", "photo_url", "client_ticket_id") if k in data}
    for name in ("lon", "lat"):
        if name in fields:
            fields[name] = _number(fields[name], name)
    categories = data.getlist("category")
    if categories:
        fields["categories"] = categories
    if "reporter_name" in data or "reporter_contact" in data:
        fields["reporter"] = {"name": data.get("reporter_name", ""), "contact": data.get("reporter_contact", "")}
    return fields


file_with, move_with = store.file_with, store.move_with


def _photo(photo_id) -> Photo:
    photo = Photo.objects.select_related("complaint").filter(id=photo_id).first()
    if photo is None:
        raise ApiError(404, "not_found", "no such photo")
    return photo


class _Serve(APIView):
    permission_classes = [ReadPublicOrAuthenticated]
    variant = "image"

    @extend_schema(responses={(200, STORED_TYPE): bytes, 304: None, 404: schema.ERROR})
    def get(self, request, photo_id):
        photo = _photo(photo_id)
        staff = sees_personal_data(request, photo.complaint)
        if photo.hidden and not staff:
            raise ApiError(404, "not_found", "no such photo")  # as if it never existed
        stored = photo.thumbnail if self.variant == "thumbnail" else photo.image
        etag = f'"{photo.id}-{self.variant}-{stored.name.rsplit("/", 1)[-1].split(".")[0][:12]}"'
        cache = "private, no-store" if photo.hidden else PUBLIC_CACHE
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
        else:
            try:
                handle = stored.storage.open(stored.name, "rb")
            except (FileNotFoundError, OSError):
                raise ApiError(404, "not_found", "the photo's file is missing from storage") from None
            content_type = THUMBNAIL_TYPE if self.variant == "thumbnail" else STORED_TYPE
            response = FileResponse(handle, content_type=content_type)
        response["ETag"] = etag
        response["Cache-Control"] = cache
        response["X-Content-Type-Options"] = "nosniff"
        return response


class PhotoImage(_Serve):
    variant = "image"


class PhotoThumbnail(_Serve):
    variant = "thumbnail"


class PhotoModeration(APIView):
    """POST {"reason": "..."} to hide a photo from the public, or to show it again."""

    permission_classes = [AgencyStaffPermission]
    hide = True

    @extend_schema(
        request=schema.PHOTO_MODERATION_REQUEST,
        responses={200: schema.PHOTO_MODERATION, 400: schema.ERROR, 403: schema.ERROR, 404: schema.ERROR},
    )
    def post(self, request, photo_id):
        photo = _photo(photo_id)
        self.check_object_permissions(request, photo.complaint)
        body = request.data if isinstance(request.data, dict) else {}
        try:
            photo = moderation.set_hidden(photo.id, self.hide, reason=body.get("reason"), actor=actor_of(request))
        except moderation.ModerationError as exc:
            raise ApiError(400, "invalid", str(exc), {"field": exc.field}) from None
        except (Photo.DoesNotExist, Complaint.DoesNotExist):
            raise ApiError(404, "not_found", "no such photo") from None
        return Response(
            {
                "id": photo.id,
                "complaint": photo.complaint_id,
                "hidden": photo.hidden,
                "photos": publish.listed(photo.complaint, staff=True),
            }
        )


class PhotoHide(PhotoModeration):
    hide = True


class PhotoShow(PhotoModeration):
    hide = False
