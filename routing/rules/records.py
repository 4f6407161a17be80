"""The directory's records (agencies, local units, rules) and the local-government answer at a
point: plain values with no logic beyond formatting, so that the typed caches (routing.rules.caches)
and the rules that use them (routing.rules.responsibility) both depend on them and not on each
other."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    code: str
    name_th: str
    name_en: str
    kind: str
    jurisdiction_code: str = ""
    service_provinces: tuple = ()
    categories: tuple = ()
    contacts: tuple = ()  # (channel, value) pairs

    def serves(self, category) -> bool:
        return not self.categories or category in self.categories

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"code": self.code, "name_th": self.name_th, "name_en": self.name_en, "kind": self.kind}
        if self.contacts:
            out["contacts"] = dict(self.contacts)
        return out


@dataclass(frozen=True, slots=True)
class LocalUnitInfo:
    code: str
    kind: str
    name_th: str
    name_en: str
    office: tuple | None = None  # (lon, lat)


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    category: str | None
    area_code: str
    chain: tuple
    priority: int
    note: str = ""

    def applies(self, category, subdistrict_code) -> bool:
        return (self.category is None or self.category == category) and subdistrict_code.startswith(self.area_code)


@dataclass
class LocalGovernmentAnswer:
    unit: LocalUnitInfo | None
    coverage: str  # completely | partially | sao | bma | none
    confidence: str  # exact | partial | none
    candidates: list = field(default_factory=list)  # the others considered, [(LocalUnitInfo, coverage)]

    def as_dict(self) -> dict | None:
        if self.unit is None:
            return None
        out: dict[str, Any] = {
            "code": self.unit.code,
            "kind": self.unit.kind,
            "name_th": self.unit.name_th,
            "name_en": self.unit.name_en,
            "coverage": self.coverage,
            "confidence": self.confidence,
        }
        if self.candidates:
            out["also_possible"] = [{"code": u.code, "name_th": u.name_th, "coverage": c} for u, c in self.candidates]
        return out
