"""Jobs of oversight (procrastinate autodiscovery): the daily digest e-mail per agency."""

from django.conf import settings
from django.utils import timezone
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import digest


class DigestIncomplete(Exception):
    """Some agencies' digests could not be sent: the job fails and its retry sends only those
    (the ones sent are recorded for the day)."""


@app.periodic(cron=settings.GEO_DIGEST_CRON, periodic_id="digest")
@app.task(name="oversight.digest", queueing_lock="oversight.digest", retry=RetryStrategy(max_attempts=6, wait=600))
def send_digests(timestamp: int) -> dict:
    done = digest.send_all(timezone.now())
    summary = {
        "sent": len(done.sent),
        "already": len(done.already),
        "no_recipient": len(done.no_recipient),
        "failed": done.failed,
    }
    if done.failed:
        raise DigestIncomplete(summary)
    return summary
