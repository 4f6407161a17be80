"""A batch's answers as arrays: per level, a polygon index per point, objects only where unusual."""

import numpy as np


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
