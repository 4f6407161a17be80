# Issue 22 (workspace): the indexes behind the officers' inbox (workspace/inbox_query.py), measured
# in benchmarks/inbox.py and docs/benchmarks.md#inbox.
#
# Merged reports are never listed (they follow their parent), so every list index is partial on
# parent_id IS NULL. The list is ordered by due_at then id, and a closed complaint has no due_at
# (complaints/deadlines.py), so one (agency, due_at, id) index serves every tab of open work and
# the whole list in order; the columns the tabs and the cheap filters read are INCLUDEd so that the
# tab counts are index-only scans. Built CONCURRENTLY: on a live table of millions of complaints a
# plain CREATE INDEX would block filing for as long as it takes.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "complaint_inbox_agency": """
        ON complaints_complaint (agency_id, due_at, id)
        INCLUDE (status, escalated_to_id, subdistrict_code, created, categories)
        WHERE parent_id IS NULL""",
    "complaint_inbox_escalated": """
        ON complaints_complaint (escalated_to_id, due_at, id)
        INCLUDE (status, agency_id, subdistrict_code, created, categories, resolved_at)
        WHERE escalated_to_id IS NOT NULL AND parent_id IS NULL""",
    # An executive's province or district: counted from the index alone, the page sorted from it.
    "complaint_inbox_area": """
        ON complaints_complaint (province_code, district_code)
        INCLUDE (due_at, id, status, escalated_to_id, subdistrict_code, created, categories, resolved_at)
        WHERE parent_id IS NULL""",
    # The "done" tab: most recently closed first.
    "complaint_inbox_done": """
        ON complaints_complaint (agency_id, resolved_at DESC NULLS LAST, id DESC)
        WHERE parent_id IS NULL AND status IN ('finished', 'irrelevant')""",
    # Search: Thai is written without spaces between words, so substrings (trigrams), not words.
    "complaint_description_trgm": """
        ON complaints_complaint USING gin (description gin_trgm_ops)""",
    "complaint_ticket": """
        ON complaints_complaint (client_ticket_id) WHERE client_ticket_id <> ''""",
    # "Is it fixed?" questions still open: few at any time, found by their expiry.
    "confirmation_pending": """
        ON complaints_confirmation (expires_at, complaint_id) WHERE answered_at IS NULL""",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0007_revision"),
    ]

    operations = [TrigramExtension()] + [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
