"""Filing a complaint, for every front: the intake key files it (its name is the source, the key
scopes the Idempotency-Key and ticket id), the Idempotency-Key header, the photos stored in the
complaint's transaction, and the live routing state. Each front parses its own format before and
answers in its own shape after (errors included: this raises, it does not answer)."""

from collections.abc import Callable

import params
from access.models import IntakeKey
from complaints import commands
from complaints.intake import Filing
from complaints.models import Complaint
from photos import store
from routing import live

# The top-level fields of a native filing (docs/complaints-api.md). Anything else is refused by
# name: a field dropped silently (a reporter_contact sent beside `reporter`, not in it) is data the
# intake system believes was filed.
NATIVE_FIELDS = frozenset(
    {"lon", "lat", "category", "categories", "description", "photo_url", "reporter", "client_ticket_id"}
)


def unknown_fields(body: dict) -> list[str]:
    return sorted(name for name in body if name not in NATIVE_FIELDS)


def file_complaint(filing: Filing, *, key: IntakeKey, headers, prepare: Callable[[], list]) -> tuple[Complaint, bool]:
    """(complaint, created). Raises params.ParamError for a bad Idempotency-Key, whatever `prepare`
    raises for refused photos (it runs after the key is read, before anything is written), and the
    command's refusals (intake.ComplaintError, UnknownCategory, intake.IdempotencyConflict)."""
    filing.source = key.name  # the intake system is who its key says it is
    filing.intake_key_id = key.id
    token = params.key_text(headers, "Idempotency-Key")
    photos = prepare()  # refused photos file nothing
    return store.file_with(
        photos,
        lambda attach: commands.file(
            filing,
            matcher=live.matcher.current(),
            directory=live.directory.current(),
            idempotency_key=token,
            attach=attach,
        ),
    )
