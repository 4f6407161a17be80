"""Personal data kept only as long as needed (Thailand's PDPA; docs/personal-data.md).

A complaint closed (finished or irrelevant) for longer than GEO_RETENTION_DAYS loses what
identifies its reporter, everywhere the database holds it:
- the reporter's name and contact, and the filing's request fingerprint (a hash over them);
- phone numbers, 13-digit national ID numbers and e-mail addresses in the description, history
  notes and data, and the reporter's comments on "is it fixed?" (complaints/privacy.py's patterns,
  now applied to the stored text), and any verbatim copy of the name or contact there;
- the same in the copies sent on: delivery payloads and attempt errors (delivery/), and the
  batches a subscription holds or gave up on (subscriptions/retention.py, registered in COPIES).
The complaint itself, its place, category, agency, states and times stay, so the statistics
do not change. `erase()` does the same at once for one reporter, on request.

`due()` and `anonymise()` take the time as a parameter; the workers run `sweep()` daily
(complaints/tasks.py) and `manage.py anonymise` runs it by hand.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction

from . import changes
from .actors import SYSTEM, Actor
from .lifecycle import FINISHED, IRRELEVANT
from .models import Complaint, Confirmation, HistoryEntry
from .privacy import mask

EVENT = "anonymised"
REMOVED = "[personal data removed]"
BATCH = 100  # complaints per transaction: a long write would hold the change feed's horizon back
MIN_LITERAL = 3  # a name or contact shorter than this is not searched for in the text
NAME_WORD, CONTACT_PART = 4, 5

# When a complaint was closed: the last change that moved it into a closed state (imports: their
# filing). Complaints closed before it and not anonymised since are due.
DUE_SQL = f"""
    SELECT c.id FROM complaints_complaint c
    LEFT JOIN LATERAL (
        SELECT max(h.at) AS at FROM complaints_historyentry h
        WHERE h.complaint_id = c.id AND h.to_status IN ('{FINISHED}', '{IRRELEVANT}')
          AND h.from_status IS DISTINCT FROM h.to_status
    ) closed ON TRUE
    WHERE c.status IN ('{FINISHED}', '{IRRELEVANT}')
      AND coalesce(closed.at, c.resolved_at, c.updated) < %s
      AND (c.anonymised_at IS NULL OR c.anonymised_at < coalesce(closed.at, c.resolved_at, c.updated))
    ORDER BY c.id
"""


def scrub_text(text: str, literals: list[str]) -> str:
    """`text` without the given names and contacts, phone numbers, ID numbers and e-mail addresses."""
    if not text:
        return text
    for literal in literals:
        text = text.replace(literal, REMOVED)
    return mask(text)


def scrub_json(value, literals: list[str]):
    """Every string in a JSON value scrubbed (keys are ours and left alone)."""
    if isinstance(value, str):
        return scrub_text(value, literals)
    if isinstance(value, list):
        return [scrub_json(v, literals) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, literals) for k, v in value.items()}
    return value


def literals_of(complaint: Complaint) -> list[str]:
    """What to look for in the text: the name and contact as given, the name's words of 4 or more
    characters (a first name alone; shorter ones are too often ordinary words) and the contact's
    parts after a label ("line:somchai99" is written "somchai99" in a description)."""
    name, contact = complaint.reporter_name.strip(), complaint.reporter_contact.strip()
    found = {name, contact}
    found.update(word for word in name.split() if len(word) >= NAME_WORD)
    found.update(part for part in re.split(r"[\s:=]+", contact) if len(part) >= CONTACT_PART)
    return sorted((v for v in found if len(v) >= MIN_LITERAL), key=len, reverse=True)  # longest first


def due(now, limit: int | None = None) -> list[int]:
    """Ids of the complaints closed more than GEO_RETENTION_DAYS before `now` and not anonymised since."""
    cutoff = now - timedelta(days=settings.GEO_RETENTION_DAYS)
    sql = DUE_SQL + (" LIMIT %s" if limit else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [cutoff, limit] if limit else [cutoff])
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Done:
    complaints: list[int] = field(default_factory=list)
    rows: int = 0  # rows rewritten besides the complaints themselves


# Apps above this one that keep copies of a complaint's text (delivery: payloads and attempt
# errors; subscriptions: the batches of changes on their way to a callback) register a scrubber
# here: (complaint, literals) -> rows rewritten.
COPIES: list[Callable] = []


def register(scrubber: Callable) -> None:
    if scrubber not in COPIES:
        COPIES.append(scrubber)


def rewrite(queryset, fields: dict, literals: list[str]) -> int:
    """Scrub the named fields (text or json) of every row; save only rows that changed."""
    changed = 0
    for row in queryset:
        dirty = []
        for name, kind in fields.items():
            before = getattr(row, name)
            after = scrub_json(before, literals) if kind == "json" else scrub_text(before, literals)
            if after != before:
                setattr(row, name, after)
                dirty.append(name)
        if dirty:
            row.save(update_fields=dirty)
            changed += 1
    return changed


def _one(complaint: Complaint, now, why: str, actor: Actor) -> int:
    literals = literals_of(complaint)
    complaint.description = scrub_text(complaint.description, literals)
    complaint.reporter_name = complaint.reporter_contact = complaint.request_fingerprint = ""
    complaint.anonymised_at = now
    complaint.save(
        update_fields=["description", "reporter_name", "reporter_contact", "request_fingerprint", "anonymised_at"]
    )
    rows = rewrite(HistoryEntry.with_internal.filter(complaint=complaint), {"note": "text", "data": "json"}, literals)
    rows += rewrite(Confirmation.objects.filter(complaint=complaint), {"comment": "text"}, literals)
    for scrub in COPIES:
        rows += scrub(complaint, literals)
    changes.record(complaint, EVENT, actor=actor, data={"why": why})
    return rows


def anonymise(ids: list[int], now, *, why: str = "retention", actor: Actor = SYSTEM) -> Done:
    """Remove the reporter's personal data from these complaints, in batches of BATCH per transaction."""
    done = Done()
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            batch = Complaint.objects.select_for_update(of=("self",)).filter(id__in=ids[start : start + BATCH])
            for complaint in batch.order_by("id"):
                done.rows += _one(complaint, now, why, actor)
                done.complaints.append(complaint.id)
    return done


def sweep(now, limit: int | None = None) -> Done:
    """Everything past the retention window, now."""
    return anonymise(due(now, limit), now)
