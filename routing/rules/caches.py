"""What is computed from one Directory and kept with it, so that a new directory (another rules
version, swapped in whole by routing.live) starts with nothing remembered: each cache a typed
field, owned by the module named beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .records import LocalGovernmentAnswer, Rule

MAX_ENTRIES = 200_000  # a bound on memory; keys are few in practice (subdistricts x categories)


def bounded(store: dict) -> dict:
    """The store, emptied first when it has grown past MAX_ENTRIES."""
    if len(store) > MAX_ENTRIES:
        store.clear()
    return store


@dataclass
class Offices:
    """routing.rules.decisions: per subdistrict of one matcher level, the candidate offices where the
    pick depends on the point."""

    partial: np.ndarray  # per subdistrict: whether the pick depends on the point
    lon: np.ndarray  # (subdistricts x candidates) office longitudes, NaN where none or padding
    lat: np.ndarray
    units: list[list[str]]  # per subdistrict: the candidates' codes, in the order of the columns


@dataclass
class FileDecisions:
    """routing.batch.columns: decisions of files and compact batches, grouped by key, as Arrow columns."""

    generation: int | None = None  # the matcher snapshot whose polygon indices the keys use
    categories: dict[tuple, int] = field(default_factory=dict)  # first category -> its number in a key
    keys: Any = None  # pandas Index of the keys decided
    arrays: tuple = ()  # (agency code, agency Thai name, reason) as Arrow arrays, by key position


@dataclass
class BatchFragments:
    """api.batch_answer: full batch answers' encoded fragments, for one matcher snapshot."""

    snapshot: tuple = ()
    fragments: dict[int, bytes] = field(default_factory=dict)  # key -> `,"status":…}`
    categories: dict[tuple, int] = field(default_factory=dict)  # category set -> its number in a key


@dataclass
class Caches:
    # responsibility: a category's rules ranked; local governments that do not depend on the point
    rules: dict[str, list[Rule]] = field(default_factory=dict)
    local: dict[str, LocalGovernmentAnswer] = field(default_factory=dict)
    # decisions: offices per matcher level, static subdistricts, answers per key
    offices: dict[tuple, Offices] = field(default_factory=dict)
    static: dict[str, bool] = field(default_factory=dict)
    answers: dict[tuple, tuple] = field(default_factory=dict)
    file: FileDecisions = field(default_factory=FileDecisions)
    fragments: BatchFragments = field(default_factory=BatchFragments)
