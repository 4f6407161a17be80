"""Jobs of complaints (procrastinate autodiscovery): the escalation sweep, the retention job, and
the Traffy demo complaints that `make load` leaves to the workers."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app

from geo import jobs
from routing import live, loaders

from . import demo, escalation, retention, stat_cells, stat_windows

DEMO = "complaints.load_traffy_demo"


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


@app.periodic(cron=settings.GEO_STATS_FOLD_CRON, periodic_id="fold_stats")
@app.task(name="complaints.fold_stats", queueing_lock="complaints.fold_stats")
def fold_stats(timestamp: int) -> dict:
    """The deltas written since the last fold, moved into the statistics' cells."""
    return {"folded": stat_cells.fold_all()}


@app.periodic(cron=settings.GEO_STATS_HORIZON_CRON, periodic_id="stats_horizon")
@app.task(name="complaints.stats_horizon", queueing_lock="complaints.stats_horizon")
def stats_horizon(timestamp: int) -> dict:
    """Day and 8-day cells older than 64-127 days dropped (their 64-day buckets stay)."""
    today = stat_windows.day_number(timezone.now(), ZoneInfo(settings.TIME_ZONE))
    return {"dropped": stat_cells.advance_horizon(today)}


@app.task(name=DEMO, queueing_lock=DEMO)
def load_traffy_demo() -> dict:
    """The demo complaints (demo.py; nothing if stored already). The matcher is the job's own
    (mapped from the stored index the server made) and is dropped with it: a worker does not keep
    the national index for the rest of its life."""
    path = demo.demo_file()
    if not demo.missing_tickets(path):
        return {"stored": 0}
    result = demo.load(path, matcher=loaders.build_matcher(), directory=live.directory.current())
    return {"stored": result.stored, "already": result.already, "rejected": dict(result.rejected)}


def request_demo(delay_s: float = 0) -> bool:
    """Ask the workers to store the demo complaints, in delay_s seconds; False if already asked."""
    return jobs.defer_once(DEMO, delay_s, queueing_lock=DEMO)
