"""Lifecycle events: what follows a change of a complaint, handled by the apps that care.

A command (complaints/commands.py) makes the change and emits an event; the apps above complaints
register handlers in their AppConfig.ready (delivery: schedules deliveries; subscriptions: wakes
the pushers; complaints itself: asks "is it fixed?"). Handlers run synchronously, inside the
command's transaction: a delivery commits with the change or not at all, and a handler that fails
rolls the change back. This keeps complaints/ from importing the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the types only: models import nothing from here, but keep events a leaf
    from routing.models import Agency

    from .lifecycle import Transition
    from .models import Complaint, HistoryEntry

REMINDER, ESCALATION = "reminder", "escalation"  # the kinds of Alerted (delivery kinds of the same name)


@dataclass(frozen=True)
class Recorded:
    """A history entry was written (complaints.changes.record): every change, of every kind."""

    entry: HistoryEntry


@dataclass(frozen=True)
class Filed:
    """A complaint was accepted; `deliver` is False for imports of history (nothing is sent on)."""

    complaint: Complaint
    entry: HistoryEntry
    deliver: bool = True


@dataclass(frozen=True)
class Moved:
    """A lifecycle transition (start, finish, reopen, ...); `followers` are the merged reports that
    moved with it."""

    complaint: Complaint
    entry: HistoryEntry
    step: Transition
    at: datetime
    followers: tuple[Complaint, ...] = field(default=())


@dataclass(frozen=True)
class HandedOver:
    """The complaint changed agency (forward, correction, "not ours"): `current` gets it, `previous`
    loses it. Either may be None."""

    complaint: Complaint
    previous: Agency | None
    current: Agency | None
    note: str = ""


@dataclass(frozen=True)
class Alerted:
    """A deadline reminder or an escalation notice for `agency` (kind REMINDER or ESCALATION)."""

    complaint: Complaint
    agency: Agency
    kind: str


_handlers: dict[type, list[Callable]] = {}


def on(event_type: type, handler: Callable) -> None:
    """Call `handler(event)` for every event of this type (registering twice is harmless)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def emit(event) -> None:
    for handler in tuple(_handlers.get(type(event), ())):
        handler(event)


def handlers(event_type: type) -> tuple:
    """Who handles an event type (docs, tests)."""
    return tuple(_handlers.get(event_type, ()))
