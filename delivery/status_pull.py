"""Pull the status of complaints forwarded to agencies' Open311 servers and map it onto the local
lifecycle: a request closed there finishes the complaint here, reopened there reopens it, new
status notes go into the history."""

import logging
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import F, QuerySet

from complaints import changes, commands, lifecycle
from complaints.actors import Actor
from complaints.models import Complaint

from .channels.open311 import requests_url
from .clock import now
from .http import request
from .models import DELIVERED, OPEN311, AgencyDelivery, Delivery

log = logging.getLogger(__name__)

WATCH = timedelta(days=90)  # the window GeoReport servers answer for by default
BATCH = 50  # ids per GET (a URL stays well under common limits)
PROBLEM_KEY = "open311_status"

# The shortest legal path from each open state to finished (a closed remote request).
TO_FINISHED = {
    lifecycle.WAITING: ("start", "finish"),
    lifecycle.FORWARDED: ("start", "finish"),
    lifecycle.IN_PROGRESS: ("finish",),
    lifecycle.FOLLOW_UP: ("finish",),
}


def watched() -> QuerySet[Delivery]:
    """Forwarded requests whose remote status may still change: not closed there, still this
    agency's complaint, filed within the window."""
    return (
        Delivery.objects.filter(channel=OPEN311, state=DELIVERED, created__gte=now() - WATCH)
        .filter(complaint__agency_id=F("agency_id"))
        .exclude(remote_id="", remote_token="")
        .exclude(remote_status="closed", complaint__status__in=[lifecycle.FINISHED, lifecycle.IRRELEVANT])
        .select_related("agency")
        .order_by("id")
    )


def pull_all() -> dict:
    by_agency = defaultdict(list)
    for delivery in watched():
        by_agency[delivery.agency_id].append(delivery)
    totals = {"agencies": 0, "changed": 0, "failed": 0}
    for deliveries in by_agency.values():
        totals["agencies"] += 1
        try:
            totals["changed"] += pull_agency(deliveries)
        except Exception as exc:  # one agency's server must not stop the others' pull
            log.exception("open311 status pull for %s", deliveries[0].agency.code)
            _problem(deliveries[0].agency_id, f"internal error: {type(exc).__name__}")
            totals["failed"] += 1
    return totals


def pull_agency(deliveries: list[Delivery]) -> int:
    agency = deliveries[0].agency
    base = agency.open311_endpoint.rstrip("/")
    for delivery in deliveries:
        if not delivery.remote_id and delivery.remote_token:
            _resolve_token(base, delivery)
    known = {d.remote_id: d for d in deliveries if d.remote_id}
    ids = sorted(known)
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        outcome, response = request("GET", requests_url(base), params={"service_request_id": ",".join(chunk)})
        if not outcome.ok or response is None:
            # Agency staff read the problem: the class only; the server's words go to the log.
            log.warning("open311 status pull for %s: %s", agency.code, outcome.detail or outcome.describe())
            _problem(agency.id, f"GET requests.json: {outcome.describe()}")
            return changed
        try:
            rows = response.json()
        except ValueError:
            _problem(agency.id, "GET requests.json did not answer JSON")
            return changed
        for row in rows if isinstance(rows, list) else []:
            delivery = known.get(str(row.get("service_request_id", "")))
            if delivery is not None and apply(delivery, row):
                changed += 1
    AgencyDelivery.objects.filter(agency_id=agency.id).update(open311_pulled_at=now())
    _problem(agency.id, None)
    return changed


def _resolve_token(base: str, delivery: Delivery) -> None:
    outcome, response = request("GET", f"{base}/tokens/{delivery.remote_token}.json")
    if not outcome.ok or response is None:
        return
    try:
        found = str(response.json()[0].get("service_request_id") or "")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return
    if found:
        delivery.remote_id = found[:200]
        Delivery.objects.filter(id=delivery.id).update(remote_id=delivery.remote_id)


def apply(delivery: Delivery, remote: dict) -> bool:
    """Map one remote request onto the complaint; False when nothing changed since the last pull."""
    status = str(remote.get("status") or "")
    updated = str(remote.get("updated_datetime") or "")
    notes = str(remote.get("status_notes") or "")[:2000]
    if status == delivery.remote_status and updated == delivery.remote_updated:
        return False
    actor = Actor("agency_system", "open311", delivery.agency.code)
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(id=delivery.id)
        complaint = Complaint.objects.get(id=current.complaint_id)
        actions = ()
        if status == "closed" and complaint.status in TO_FINISHED:
            actions = TO_FINISHED[complaint.status]
        elif status == "open" and current.remote_status == "closed" and complaint.status == lifecycle.FINISHED:
            actions = ("reopen",)
        if complaint.parent_id is not None:
            actions = ()  # a merged report follows its parent (complaints/merging.py): the update is noted only
        for action in actions:
            note = notes or f"{status} in {delivery.agency.code}'s system"
            commands.transition(complaint.id, action, actor=actor, note=note)
        if not actions:
            changes.record(
                complaint,
                "remote_update",
                actor=actor,
                note=notes,
                data={"service_request_id": current.remote_id, "status": status, "updated_datetime": updated},
            )
        current.remote_status, current.remote_updated = status[:40], updated[:60]
        current.save(update_fields=["remote_status", "remote_updated"])
    delivery.remote_status, delivery.remote_updated = current.remote_status, current.remote_updated
    return True


def _problem(agency_id: int, message: str | None) -> None:
    with transaction.atomic():
        settings = AgencyDelivery.of(agency_id)
        settings = AgencyDelivery.objects.select_for_update().get(id=settings.id)
        problems = dict(settings.problems)
        if message is None:
            if PROBLEM_KEY not in problems:
                return
            problems.pop(PROBLEM_KEY)
        else:
            problems[PROBLEM_KEY] = {"error": message[:500], "configuration": False, "at": now().isoformat()}
        settings.problems = problems
        settings.save(update_fields=["problems"])
