"""The procrastinate tasks (found by the Django integration's autodiscovery). Thin: the work is in
sender, sweep and status_pull."""

from asgiref.sync import sync_to_async
from django.conf import settings
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app

from . import sender, status_pull, sweep
from .jobs import SEND


# A send job that crashes (the database went away mid-run) runs again a few times; beyond that the
# sweep below gives its queue a new sender.
@app.task(name=SEND, retry=RetryStrategy(max_attempts=5, wait=2), pass_context=True)
def send(context: JobContext, agency_id: int, channel: str) -> int:
    return sender.drain(agency_id, channel, stop=context.should_abort)


@app.periodic(cron=settings.GEO_DELIVERY_SWEEP_CRON, periodic_id="sweep")
@app.task(name="delivery.sweep", queueing_lock="delivery.sweep", pass_context=True)
async def sweep_deliveries(context: JobContext, timestamp: int) -> dict:
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=settings.GEO_WORKER_STALLED_S))
    for job in stalled:
        await manager.retry_job(job)
    requeued = await sync_to_async(sweep.requeue_orphans)()
    return {"stalled_jobs_retried": len(stalled), "queues_requeued": requeued}


@app.periodic(cron=settings.GEO_OPEN311_PULL_CRON, periodic_id="open311-pull")
@app.task(name="delivery.open311_pull", queueing_lock="delivery.open311_pull")
def open311_pull(timestamp: int) -> dict:
    return status_pull.pull_all()
