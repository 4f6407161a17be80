"""Who is next up when a responsible agency lets a deadline pass, in plain Python.

The ladder is the chain of the routing rule that chose the agency, read onwards from the agency's
place in it (a Bangkok street light: public works division -> the khet's district office), then
the supervising offices of the place: district office, province hall. Only levels above the
current one count: a local government, utility or police station is never an escalation target,
and an escalation never goes back down to a level already passed.
"""

from .responsibility import MUNICIPAL_KINDS, Directory, resolve_kind

SUPERVISORS = ("district_office", "province_hall")
# Levels of supervision; every other kind is a front-line agency (level 0).
RANK = {"district_office": 1, "bma_district_office": 1, "province_hall": 2}
NOT_SUPERVISORS = {"local_government", "utility", "police"}


def stands_for(kind: str) -> set:
    """The chain kinds an agency of this kind can have been chosen as."""
    if kind in MUNICIPAL_KINDS or kind == "sao":
        return {kind, "local_government"}
    if kind == "bma_district_office":
        return {kind, "local_government", "district_office"}
    return {kind}


def ladder(directory: Directory, category: str, subdistrict_code: str, kind: str) -> list:
    """The kinds to try above an agency of `kind`, in order."""
    for rule in directory.rules_for(category, subdistrict_code):
        here = [i for i, step in enumerate(rule.chain) if step in stands_for(kind)]
        if here:
            onwards = list(rule.chain[here[0] + 1 :])
            return onwards + [k for k in SUPERVISORS if k not in onwards]
    return list(SUPERVISORS)


def next_level(directory: Directory, *, category: str, codes: tuple, kind: str, passed: set):
    """The active agency one level above an agency of `kind` at a place, or None at the top.

    codes: (province, district, subdistrict); passed: codes of agencies already involved.
    """
    for step in ladder(directory, category, codes[2], kind):
        if step in NOT_SUPERVISORS:
            continue
        agency = resolve_kind(directory, step, category, codes, None)
        if agency and agency.code not in passed and RANK.get(agency.kind, 0) > RANK.get(kind, 0):
            return agency
    return None
