"""Reporters' answers to "is it fixed?" as statistics by agency (the agency that finished the work).

An agency's mean rating is published, and ranked, only once it has GEO_RATING_MIN_COUNT ratings:
below that the count is shown and the mean is null, so one happy reporter does not top the table.
"""

from django.conf import settings
from django.db import connection

from .stats import Scope

SQL = """
    SELECT a.code, count(r.rating) AS ratings, avg(r.rating) AS mean,
           count(*) FILTER (WHERE r.fixed IS FALSE) AS not_fixed
    FROM complaints_confirmation r
    JOIN complaints_complaint c ON c.id = r.complaint_id
    JOIN routing_agency a ON a.id = r.agency_id
    WHERE r.answered_at IS NOT NULL AND {where}
    GROUP BY a.code
"""


def by_agency(scope: Scope, minimum: int | None = None) -> dict[str, dict]:
    """agency code -> {rating_count, rating_mean, rating_rank, not_fixed}; mean and rank are null
    below `minimum` ratings. Rank 1 is the highest mean (ties: more ratings first, then the code)."""
    minimum = settings.GEO_RATING_MIN_COUNT if minimum is None else minimum
    where, args = scope.where()
    with connection.cursor() as cursor:
        cursor.execute(SQL.format(where=where), args)
        rows = cursor.fetchall()
    out = {
        code: {
            "rating_count": count,
            "rating_mean": round(float(mean), 2) if count and count >= minimum else None,
            "rating_rank": None,
            "not_fixed": not_fixed,
        }
        for code, count, mean, not_fixed in rows
    }
    ranked = sorted(
        ((float(mean), count, code) for code, count, mean, _ in rows if count and count >= minimum),
        key=lambda r: (-r[0], -r[1], r[2]),
    )
    for rank, (_, _, code) in enumerate(ranked, start=1):
        out[code]["rating_rank"] = rank
    return out


EMPTY = {"rating_count": 0, "rating_mean": None, "rating_rank": None, "not_fixed": 0}


def annotate(rows: list[dict], scope: Scope) -> list[dict]:
    """The agency rows of the statistics with their ratings (rows keyed by agency code)."""
    found = by_agency(scope)
    for row in rows:
        row.update(found.get(row["key"], EMPTY))
    return rows
