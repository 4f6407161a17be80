"""The operators' report: every complaint an agency gave back ("not ours", history event "returned")
or forwarded to another agency, grouped by the routing rule and the subdistrict that had sent it
there. A rule or a boundary that sends work to the wrong agency shows itself as a large group.

The history entry of a return keeps the rule and place that routed the complaint (its `data`:
reason, agency, rule, subdistrict_code; complaints/commands.not_ours). A forward does not change
the routing decision, so its rule and place are the complaint's own.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

EXAMPLES = 3

SQL = """
WITH moves AS (
    SELECT h.id, h.complaint_id, h.at,
           CASE WHEN h.event = 'returned' THEN 'returned' ELSE 'forwarded' END AS kind,
           coalesce(nullif(h.data->>'agency', ''), nullif(h.data->>'from_agency', ''), h.actor_agency) AS from_agency,
           nullif(h.data->>'to_agency', '') AS to_agency,
           coalesce(nullif(h.data->>'reason', ''), h.note) AS reason,
           CASE WHEN jsonb_typeof(h.data->'rule') = 'object' THEN h.data->'rule'->>'id'
                WHEN jsonb_typeof(h.data->'rule') IN ('number', 'string') THEN h.data->>'rule'
                WHEN h.data ? 'rule_id' THEN h.data->>'rule_id'
                WHEN h.event = 'returned' THEN NULL
                ELSE c.decision->'rule'->>'id' END AS rule_id,
           coalesce(nullif(h.data->>'reason_code', ''), nullif(c.decision->>'confidence', '')) AS reason_code,
           coalesce(nullif(h.data->>'subdistrict_code', ''), c.subdistrict_code) AS subdistrict
    FROM complaints_historyentry h JOIN complaints_complaint c ON c.id = h.complaint_id
    WHERE (h.event = 'returned' OR (h.event = 'transition' AND h.action = 'forward'))
      AND h.at >= %(since)s AND h.at < %(until)s
)
SELECT m.kind, m.rule_id, CASE WHEN m.rule_id IS NULL THEN m.reason_code END, m.subdistrict,
       count(*) AS moves, count(DISTINCT m.complaint_id) AS complaints,
       array_agg(DISTINCT m.from_agency) FILTER (WHERE m.from_agency IS NOT NULL) AS from_agencies,
       (array_agg(json_build_object('complaint', m.complaint_id, 'at', m.at, 'from', m.from_agency,
                                    'to', m.to_agency, 'reason', left(m.reason, 300)) ORDER BY m.at DESC)
       )[1:%(examples)s]
FROM moves m
WHERE %(area)s = '' OR m.subdistrict LIKE %(area)s || '%%'
GROUP BY 1, 2, 3, 4
ORDER BY moves DESC, 1, 2, 4
LIMIT %(limit)s
"""


@dataclass
class Group:
    kind: str  # returned | forwarded
    rule_id: int | None
    reason_code: str | None  # when no rule routed it: the decision's kind (fallback, none ...)
    subdistrict_code: str
    moves: int
    complaints: int
    from_agencies: list[str]
    examples: list[dict]
    rule: dict | None = None  # {category, area_code, chain, note, active}
    place: dict = field(default_factory=dict)  # names of the subdistrict, its district and province


def groups(since: datetime, until: datetime, area: str = "", limit: int = 200) -> list[Group]:
    """The largest groups first; `area` a province or district code to narrow to ('' for all)."""
    args: dict[str, Any] = {"since": since, "until": until, "area": area, "examples": EXAMPLES, "limit": limit}
    with connection.cursor() as cursor:
        cursor.execute(SQL, args)
        rows = cursor.fetchall()
    found = [
        Group(kind, _int(rule), code, sub or "", moves, complaints, sorted(agencies or []), list(examples))
        for kind, rule, code, sub, moves, complaints, agencies, examples in rows
    ]
    _name(found)
    return found


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _name(found: list[Group]) -> None:
    """Rules and places described with two queries for the whole report."""
    from boundaries.models import Boundary
    from routing.models import RoutingRule

    rules = {
        r.id: {
            "category": r.category.code if r.category else "*",
            "area_code": r.area_code or "*",
            "chain": list(r.chain),
            "note": r.note,
            "active": r.active,
        }
        for r in RoutingRule.objects.select_related("category").filter(id__in={g.rule_id for g in found if g.rule_id})
    }
    codes = set()
    for g in found:
        codes |= {g.subdistrict_code, g.subdistrict_code[:4], g.subdistrict_code[:2]}
    names = {
        b["code"]: b
        for b in Boundary.objects.active()
        .filter(code__in=codes - {""}, level__in=("province", "district", "subdistrict"))
        .values("code", "level", "name_th", "name_en")
    }
    for g in found:
        g.rule = rules.get(g.rule_id) if g.rule_id is not None else None
        code = g.subdistrict_code
        g.place = {
            level: names.get(part, {"code": part, "name_th": "", "name_en": ""})
            for level, part in (("subdistrict", code), ("district", code[:4]), ("province", code[:2]))
            if part
        }
