"""Every change to a complaint, recorded once and read back as an ordered feed.

Recording: `record()` is the one way to write a change (filing, moves, corrections, escalations,
deliveries ...). It stores who may read the change: the key that filed the complaint and the
agencies concerned.

Reading: a feed must never let a change appear behind a reader. An id sequence cannot promise that:
ids are taken when a row is written, so id 7 can commit after a reader has already passed id 8.
Instead each row carries the id of the transaction that wrote it (`txid`, set by PostgreSQL), and a
reader is served only rows whose transaction is older than the oldest transaction still running
when its query started (`pg_snapshot_xmin`). Everything below that horizon has finished, so no
row can still appear there; everything at or above it waits for the next read. Rows are served
in (txid, id) order and a position is the (txid, id) of the last row seen, so a reader that keeps
asking with the position it was given sees every committed change exactly once.

The price: a transaction that stays open holds the horizon back for every reader (cluster-wide,
only transactions that have written something), so long bulk writes belong in their own batches.
"""

import base64
import json
import re
import struct
from dataclasses import dataclass, field

from django.db import connection

from . import events
from .actors import SYSTEM, Actor
from .models import INTERNAL_EVENTS, Complaint, HistoryEntry
from .privacy import mask

MAX_LIMIT = 1000
_TOKEN = struct.Struct(">QQ")
_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")  # 16 bytes, unpadded base64url
NOT_A_POSITION = "not a position this feed gave out (use the `next` of a previous page)"


class FeedError(ValueError):
    """A position or limit the feed cannot serve; `field` names the parameter."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def record(
    complaint: Complaint,
    event: str,
    *,
    actor: Actor = SYSTEM,
    action: str = "",
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    photo_url: str = "",
    data: dict | None = None,
    also_agency_id: int | None = None,
) -> HistoryEntry:
    """Write one change of `complaint` (already saved, inside the caller's transaction).

    `also_agency_id`: another agency the change concerns, whose staff see it in their feed too:
    the one a forward or correction took the complaint away from, the one a notice went to.
    """
    audience = [complaint.agency_id, also_agency_id, complaint.escalated_to_id]
    entry = HistoryEntry.objects.create(
        complaint=complaint,
        event=event,
        action=action,
        from_status=complaint.status if from_status is None else from_status,
        to_status=complaint.status if to_status is None else to_status,
        **actor.fields(),
        note=note,
        photo_url=photo_url,
        data=data or {},
        intake_key_id=complaint.intake_key_id,
        agencies=list(dict.fromkeys(a for a in audience if a is not None)),
    )
    events.emit(events.Recorded(entry))  # subscriptions wake their pushers (in this transaction)
    return entry


@dataclass(frozen=True, order=True)
class Position:
    txid: int = 0
    id: int = 0

    def token(self) -> str:
        return base64.urlsafe_b64encode(_TOKEN.pack(self.txid, self.id)).rstrip(b"=").decode()

    @classmethod
    def parse(cls, token: str | None) -> "Position":
        """A token this feed gave out; empty means the beginning."""
        if not token:
            return cls()
        if not _TOKEN_TEXT.fullmatch(token):
            raise FeedError("after", NOT_A_POSITION)
        txid, entry = _TOKEN.unpack(base64.urlsafe_b64decode(token + "=="))
        if txid >= 2**63 or entry >= 2**63:  # beyond what PostgreSQL counts to
            raise FeedError("after", NOT_A_POSITION)
        return cls(txid, entry)


@dataclass(frozen=True)
class Scope:
    """Whose changes a reader may see: everything, one intake key's complaints, or one agency's."""

    intake_key_id: int | None = None
    agency_id: int | None = None
    complaint_id: int | None = None
    # Intake systems' ticket ids: for the key that filed the complaint and for staff, not the public.
    tickets: bool = True

    def where(self) -> tuple[str, list]:
        clauses, args = [], []
        if self.intake_key_id is not None:
            clauses.append("h.intake_key_id = %s")
            args.append(self.intake_key_id)
        if self.agency_id is not None:
            clauses.append("h.agencies @> ARRAY[%s]::bigint[]")
            args.append(self.agency_id)
        if self.complaint_id is not None:
            clauses.append("h.complaint_id = %s")
            args.append(self.complaint_id)
        return " AND ".join(clauses) or "TRUE", args


@dataclass
class Page:
    changes: list = field(default_factory=list)
    next: Position = Position()
    more: bool = False


COLUMNS = (
    "h.id, h.txid::text, h.complaint_id, c.client_ticket_id, h.event, h.action, h.from_status, h.to_status,"
    " h.actor_role, h.actor_agency, CASE WHEN h.note_hidden THEN '' ELSE h.note END, h.photo_url, h.data, h.at"
)
# Internal notes are for the agency's staff only: no feed, and so no subscription push, has them.
_PUBLISHED = " AND ".join(f"h.event <> '{event}'" for event in INTERNAL_EVENTS)
# One statement, so the horizon and the rows come from the same snapshot; the LEFT JOIN returns the
# horizon even when no row follows the position.
FEED_SQL = f"""
WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT horizon.xmin::text, page.* FROM horizon LEFT JOIN LATERAL (
    SELECT {COLUMNS}
    FROM complaints_historyentry h JOIN complaints_complaint c ON c.id = h.complaint_id
    WHERE (h.txid, h.id) > (%s::text::xid8, %s) AND h.txid < horizon.xmin AND {_PUBLISHED} AND {{where}}
    ORDER BY h.txid, h.id
    LIMIT %s
) page ON TRUE
"""


def read(scope: Scope, after: Position, limit: int = 100) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise FeedError("limit", f"must be 1 to {MAX_LIMIT}")
    where, args = scope.where()
    with connection.cursor() as cursor:
        cursor.execute(FEED_SQL.format(where=where), [str(after.txid), after.id, *args, limit])
        rows = cursor.fetchall()
    horizon = int(rows[0][0])
    entries = [row[1:] for row in rows if row[1] is not None]
    changes = [_change(row, scope.tickets) for row in entries]
    if len(entries) == limit:
        return Page(changes, Position(int(entries[-1][1]), entries[-1][0]), more=True)
    # Everything below the horizon has been served: the next read may start there, which also
    # spares a reader of few changes from scanning past the others again.
    return Page(changes, max(after, Position(horizon, 0)), more=False)


def head() -> Position:
    """The position after every change committed so far: where a new reader of only future changes starts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
        return Position(int(cursor.fetchone()[0]), 0)


def _change(row: tuple, tickets: bool = True) -> dict:
    (entry, txid, complaint, ticket, event, action, source, target, role, agency, note, photo, data, at) = row
    return {
        "position": Position(int(txid), entry).token(),
        "complaint_id": complaint,
        "client_ticket_id": (ticket or None) if tickets else None,
        "event": event,
        "action": action or None,
        "from": source or None,
        "to": target or None,
        "actor": {"role": role or "system", "agency": agency or None},
        "note": mask(note) or None,  # a feed is published: phone and ID numbers masked, hidden notes left out
        "photo_url": photo or None,
        "data": json.loads(data) if isinstance(data, str) else data,  # Django leaves raw jsonb as text
        "at": at.isoformat(),
    }
