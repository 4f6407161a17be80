"""Who made a change to a complaint. Only `role` and `agency` are published: a staff member's user
name is personal data, kept in the history for the agency's own audit (and shown to its staff)."""

from dataclasses import dataclass

from .models import HistoryEntry

ROLES = ("intake", "staff", "operator", "agency_system", "system")


@dataclass(frozen=True)
class Actor:
    role: str  # one of ROLES
    name: str = ""
    agency: str = ""

    def label(self) -> str:
        """What the history's `actor` column keeps: "name (AGENCY)" for staff."""
        if self.name and self.agency:
            return f"{self.name} ({self.agency})"
        return self.name or self.agency

    def fields(self) -> dict:
        """The history entry's actor columns."""
        return {"actor": self.label()[:200], "actor_role": self.role, "actor_agency": self.agency[:40]}


SYSTEM = Actor("system", "system")


def public(entry: HistoryEntry, *, with_name: bool = False) -> dict:
    """A history entry's actor as published: role and agency; the name only for the agency's staff."""
    out = {"role": entry.actor_role or "system", "agency": entry.actor_agency or None}
    if with_name:
        out["name"] = entry.actor or None
    return out
