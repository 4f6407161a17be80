"""The batches of changes a subscription holds (on their way to the callback) or gave up on (dead
letters) are copies of a complaint's changes: the retention job scrubs the ones carrying the
complaint's changes, with the complaint."""

from complaints.models import Complaint
from complaints.retention import rewrite

from .models import DeadLetter, Subscription


def scrub(complaint: Complaint, literals: list[str]) -> int:
    if complaint.intake_key_id is None:
        return 0
    mine = {"changes": [{"complaint_id": complaint.id}]}  # jsonb containment: a batch with one of its changes
    subscriptions = Subscription.objects.filter(intake_key_id=complaint.intake_key_id)
    rows = rewrite(subscriptions.filter(pending__contains={"body": mine}), {"pending": "json"}, literals)
    # A receiver's answer may echo the batch: the details kept for operators (a key has few subscriptions).
    rows += rewrite(subscriptions.exclude(last_detail=""), {"last_detail": "text"}, literals)
    dead = DeadLetter.objects.filter(subscription__in=subscriptions, body__contains=mine)
    return rows + rewrite(dead, {"body": "json", "detail": "text"}, literals)
