"""Periodic jobs of complaints (procrastinate autodiscovery): the escalation sweep, the retention job."""

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app

from routing import live

from . import escalation, retention


@app.periodic(cron=settings.GEO_ESCALATION_CRON, periodic_id="escalation")
@app.task(name="complaints.escalate", queueing_lock="complaints.escalate")
def escalate(timestamp: int) -> dict:
    done = escalation.sweep(timezone.now(), directory=live.directory.current())
    return {"reminded": len(done.reminded), "escalated": len(done.escalated), "at_top": len(done.at_top)}


@app.periodic(cron=settings.GEO_RETENTION_CRON, periodic_id="retention")
@app.task(name="complaints.anonymise", queueing_lock="complaints.anonymise")
def anonymise(timestamp: int) -> dict:
    """Personal data past the retention window removed (complaints/retention.py)."""
    done = retention.sweep(timezone.now())
    return {"anonymised": len(done.complaints), "copies_rewritten": done.rows}
