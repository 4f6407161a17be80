"""How a listing of complaints reads the table (the OGC items, the API's listing): how many match,
when that is cheap to know, and a page without parallel workers.

At 10,000,000 complaints a count of a common filter reads hundreds of thousands of rows while
the page itself takes milliseconds (docs/benchmarks.md#the-complaints-layer). So a count is exact
up to a cap and is not given otherwise: not started when the planner expects more than twice the
cap, and given up after a time budget (GEO_COUNT_BUDGET_MS). A listing then leaves its count out
(OGC API Features makes numberMatched optional) and says whether another page follows by reading
one row more; it never gives a number it has not counted.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connections, transaction

from geo.http.timeouts import is_timeout

CAP = 10_000
# A count is not started when the planner expects more matches than this many caps: its estimates
# are rough (a subdistrict's changed several-fold between two ANALYZEs), so only a clear excess is
# trusted.
PLANNED_CAPS = 2


@contextmanager
def local_settings(using: str, **values) -> Iterator[None]:
    """A transaction with these settings (SET LOCAL), put back as they were if it is part of a
    larger one that goes on (a failure rolls them back with it)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        before = {}
        for name, value in values.items():
            cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, str(value)])
            before[name] = cursor.fetchone()[0]
        yield
        for name, value in before.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])


@contextmanager
def serial(using: str) -> Iterator[None]:
    """No parallel workers: a page stops after its rows, and starting workers costs more than the
    page (docs/benchmarks.md#the-complaints-layer)."""
    with local_settings(using, max_parallel_workers_per_gather=0):
        yield


def planned_rows(qs) -> float:
    """How many rows the planner expects qs to match (EXPLAIN: planned, nothing read)."""
    with connections[qs.db].cursor() as cursor:
        sql, params = qs.order_by().query.sql_with_params()
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # psycopg 2 gives the text
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def count(qs, cap: int = CAP, budget_ms: int | None = None) -> int | None:
    """How many rows qs matches, exact, or None: more than cap, more than cap expected, or not
    counted within the budget (0: never counted)."""
    ms = settings.GEO_COUNT_BUDGET_MS if budget_ms is None else budget_ms
    if ms <= 0:
        return None
    # Planned first, outside the transaction below: the request's own statement timeout is set by
    # its first query (geo/http/timeouts.py), and a count that runs out rolls its transaction back.
    if planned_rows(qs) > PLANNED_CAPS * cap:
        return None
    try:
        # Without JIT: a count planned as costly was compiled first, for nothing.
        with local_settings(qs.db, jit="off", max_parallel_workers_per_gather=0, statement_timeout=int(ms)):
            counted = qs.order_by()[: cap + 1].count()
    except OperationalError as exc:
        if not is_timeout(exc):
            raise
        return None
    return counted if counted <= cap else None
