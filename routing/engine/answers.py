"""What the matcher answers: a jurisdiction per level and the match of one point, and a batch's
answers as arrays (per level, a polygon index per point, objects only where unusual)."""

from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class Jurisdiction:
    level: str
    code: str
    name_th: str
    name_en: str
    generation: int
    on_boundary: bool = False
    snapped_m: float | None = None
    ties: tuple = ()

    def as_dict(self) -> dict:
        out = {
            "code": self.code,
            "name_th": self.name_th,
            "name_en": self.name_en,
            "generation": self.generation,
            "on_boundary": self.on_boundary,
        }
        if self.snapped_m is not None:
            out["snapped_m"] = self.snapped_m
        if self.ties:
            out["ties"] = list(self.ties)
        return out


@dataclass(slots=True)
class Match:
    status: str  # matched | snapped | unmatched
    jurisdictions: dict = field(default_factory=dict)  # level -> Jurisdiction
    reason: str | None = None

    @property
    def on_boundary(self) -> bool:
        return any(j.on_boundary for j in self.jurisdictions.values())

    @property
    def snapped_m(self) -> float | None:
        distances = [j.snapped_m for j in self.jurisdictions.values() if j.snapped_m is not None]
        return max(distances) if distances else None


class LevelAnswers:
    """One level's answers for a batch: a polygon index per point (-1: none), objects where unusual."""

    __slots__ = ("chosen", "index", "plain", "special")

    def __init__(self, index, n: int):
        self.index = index
        self.chosen = np.full(n, -1, dtype=np.int32)
        self.plain = np.zeros(n, dtype=bool)  # strictly inside its chosen polygon alone
        self.special = {}  # point -> Jurisdiction, where it is not the plain one

    def jurisdiction(self, k):
        i = self.chosen[k]
        if i < 0:
            return None
        return self.special.get(k) or self.index.plain[i]


class BatchAnswers:
    def __init__(self, matcher, levels: list[LevelAnswers], n: int):
        self.matcher = matcher
        self.levels = levels
        self.n = n

    def matched_all(self) -> np.ndarray:
        found = np.ones(self.n, dtype=bool)
        for answers in self.levels:
            found &= answers.chosen >= 0
        return found

    def match(self, k):
        found = {}
        for answers in self.levels:
            j = answers.jurisdiction(k)
            if j is not None:
                found[answers.index.level] = j
        return self.matcher.result(found)

    def matches(self) -> list:
        return [self.match(k) for k in range(self.n)]
