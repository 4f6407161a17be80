from collections.abc import Callable
from typing import TypeVar

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.auth import intake_key_of
from access.models import IntakeKey
from geo.http.errors import ApiError
from subscriptions import register
from subscriptions.models import Subscription

from .. import schema

T = TypeVar("T")


def _key(request: Request) -> IntakeKey:
    key = intake_key_of(request)
    if key is None:
        raise ApiError(403, "permission_denied", "subscriptions belong to intake systems: use an intake API key")
    return key


def _errors(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except register.SubscriptionError as exc:
        # The rule broken (scheme, port, loopback, private ...: docs/delivery.md#outbound), if any.
        details = {"field": exc.field, **({"rule": exc.rule} if exc.rule else {})}
        raise ApiError(exc.status, "invalid", exc.message, details) from None


class SubscriptionList(APIView):
    """An intake system's callbacks: its complaints' changes are pushed to them, signed."""

    @extend_schema(
        request=schema.SUBSCRIPTION_REQUEST,
        responses={201: schema.SUBSCRIPTION, 400: schema.ERROR, 403: schema.ERROR, 409: schema.ERROR},
    )
    def post(self, request: Request) -> Response:
        key = _key(request)
        body = request.data if isinstance(request.data, dict) else {}
        sub = _errors(lambda: register.register(key, body.get("callback_url"), body.get("after")))
        headers = {"Location": f"/api/v1/subscriptions/{sub.id}"}
        return Response(register.describe(sub, with_secret=True), status=201, headers=headers)

    @extend_schema(operation_id="subscriptions_list", responses={200: schema.SUBSCRIPTION_PAGE, 403: schema.ERROR})
    def get(self, request: Request) -> Response:
        subs = Subscription.objects.filter(intake_key=_key(request)).prefetch_related("dead_letters")
        return Response({"results": [register.describe(s) for s in subs]})


class SubscriptionDetail(APIView):
    def _own(self, request: Request, subscription_id: int) -> Subscription:
        found = Subscription.objects.filter(id=subscription_id, intake_key=_key(request)).first()
        if found is None:  # another key's subscription is as good as absent
            raise ApiError(404, "not_found", "no such subscription of this key")
        return found

    @extend_schema(responses={200: schema.SUBSCRIPTION, 403: schema.ERROR, 404: schema.ERROR})
    def get(self, request: Request, subscription_id: int) -> Response:
        return Response(register.describe(self._own(request, subscription_id)))

    @extend_schema(responses={204: None, 403: schema.ERROR, 404: schema.ERROR})
    def delete(self, request: Request, subscription_id: int) -> Response:
        self._own(request, subscription_id).delete()
        return Response(status=204)
