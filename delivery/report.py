"""What operators and agency staff read about deliveries: one delivery, a complaint's deliveries,
the agencies that cannot be reached or have configuration problems."""

from django.db.models import Count, Q

from complaints.representations.types import DeliveryAttempt, DeliveryReport
from routing.models import Agency

from .models import DEAD, QUEUED, UNREACHABLE, AgencyDelivery, Delivery


def describe(delivery: Delivery, with_attempts: bool = False, operator: bool = False) -> DeliveryReport:
    """`operator`: with what each receiver said (Attempt.detail); staff read the status class only."""
    out: DeliveryReport = {
        "id": str(delivery.uuid),
        "complaint": delivery.complaint_id,
        "agency": delivery.agency.code,
        "channel": delivery.channel,
        "kind": delivery.kind,
        "state": delivery.state,
        "reason": delivery.reason or None,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.state in QUEUED else None,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error or None,
        "remote_id": delivery.remote_id or None,
        "remote_status": delivery.remote_status or None,
        "created": delivery.created.isoformat(),
        "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
    }
    if with_attempts:
        out["attempt_log"] = []
        for a in delivery.attempt_log.all():
            attempt: DeliveryAttempt = {
                "number": a.number,
                "at": a.at.isoformat(),
                "duration_ms": a.duration_ms,
                "status_code": a.status_code,
                "error": a.error or None,
                "outcome": a.outcome,
                "next_attempt_at": a.next_attempt_at.isoformat() if a.next_attempt_at else None,
            }
            if operator:
                attempt["detail"] = a.detail or None
            out["attempt_log"].append(attempt)
    return out


def for_complaint(complaint_id: int) -> list[DeliveryReport]:
    deliveries = (
        Delivery.objects.filter(complaint_id=complaint_id).select_related("agency").prefetch_related("attempt_log")
    )
    return [describe(d, with_attempts=True) for d in deliveries]


def unreachable() -> dict:
    """Agencies with undeliverable complaints (no usable channel) or configuration problems."""
    counts = (
        Delivery.objects.filter(state=DEAD)
        .values("agency_id")
        .annotate(unreachable=Count("id", filter=Q(reason=UNREACHABLE)), dead=Count("id"))
    )
    by_agency = {row["agency_id"]: row for row in counts}
    settings = {s.agency_id: s for s in AgencyDelivery.objects.filter(Q(paused=True) | ~Q(problems={}))}
    ids = set(by_agency) | set(settings)
    agencies = {a.id: a for a in Agency.objects.filter(id__in=ids)}
    rows = []
    for agency_id in sorted(ids, key=lambda i: agencies[i].code):
        agency, row, setting = agencies[agency_id], by_agency.get(agency_id, {}), settings.get(agency_id)
        rows.append(
            {
                "agency": {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en},
                "unreachable": row.get("unreachable", 0),
                "dead": row.get("dead", 0),
                "paused": bool(setting and setting.paused),
                "problems": setting.problems if setting else {},
            }
        )
    return {
        "agencies": len(rows),
        "unreachable_deliveries": sum(r["unreachable"] for r in rows),
        "dead_deliveries": sum(r["dead"] for r in rows),
        "results": rows,
    }
