"""Forward as a GeoReport v2 service request to the agency's own Open311 server."""

import dataclasses
import json

from ..http import Answer, request
from ..models import AgencyDelivery, Delivery
from ..outcome import Outcome


def requests_url(endpoint: str) -> str:
    """The agency's endpoint is the base of its GeoReport v2 API (…/open311/v2/)."""
    return endpoint.rstrip("/") + "/requests.json"


def form(delivery: Delivery, api_key: str) -> dict:
    complaint = delivery.payload["complaint"]
    link = delivery.payload["links"]["complaint"]
    description = (complaint.get("description") or "").strip()
    # A linked photo, or the first uploaded one (served by us: docs/photos.md).
    media = complaint.get("photo_url") or next((p["url"] for p in complaint.get("photos") or []), None)
    return {
        "api_key": api_key,
        "service_code": (complaint.get("categories") or ["other"])[0],
        "lat": repr(complaint["lat"]),
        "long": repr(complaint["lon"]),
        "description": f"{description}\n\n{link}".strip()[:4000],
        **({"media_url": media} if media else {}),
    }


def send(delivery: Delivery) -> Outcome:
    agency = delivery.agency
    if not agency.open311_endpoint:
        return Outcome(error=f"{agency.code} has no Open311 endpoint any more", transient=False, config_problem=True)
    api_key = (getattr(delivery, "settings", None) or AgencyDelivery.of(agency.id)).open311_api_key
    if not api_key:
        return Outcome(
            error=f"no Open311 api_key for {agency.code}: set the one its server issued (agency delivery settings)",
            transient=False,
            config_problem=True,
        )
    # The delivery id as Idempotency-Key: a server that knows the header files a retried request once.
    outcome, response = request(
        "POST",
        requests_url(agency.open311_endpoint),
        data=form(delivery, api_key),
        headers={"Idempotency-Key": str(delivery.uuid), "Accept": "application/json"},
    )
    if response is None:
        return outcome
    if not outcome.ok:
        # 404: the service_code is unknown there; 403: the api_key is not accepted. The server's
        # own words are for operators (outcome.detail), as for every channel.
        config = outcome.config_problem or response.status_code == 404
        text = _georeport_error(response)
        detail = f"HTTP {response.status_code}: {text}"[:500] if text else outcome.detail
        return dataclasses.replace(outcome, config_problem=config, detail=detail)
    try:
        first = response.json()[0]
    except (ValueError, KeyError, IndexError, TypeError):
        first = {}
    details = {
        "remote_id": str(first.get("service_request_id") or ""),
        "remote_token": str(first.get("token") or ""),
    }
    return dataclasses.replace(outcome, details=details)


def _georeport_error(response: Answer) -> str:
    try:
        errors = response.json()
        return "; ".join(str(e.get("description", "")) for e in errors if isinstance(e, dict))
    except (ValueError, TypeError, json.JSONDecodeError):
        return ""
