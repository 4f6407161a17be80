"""Who is responsible: (jurisdictions at a point, category) -> agency, with a reason, in plain Python.

The Directory is an in-memory copy of local-government coverage, agencies, categories and rules;
`decide` walks the rules that apply (lowest priority first, the more specific area first) and, in
each rule, its chain of agency kinds until one names an active agency at the point.

Local government at a subdistrict: a municipality that covers it completely; where municipalities
cover it only partly, those and the subdistrict's SAO are all candidates: the one whose office is
nearest the point is chosen and the answer says "partial" with the others as alternatives; else
the SAO. In Bangkok the local government is the BMA, through the district office of the khet.
"""

import math
from dataclasses import dataclass, field

from .caches import Caches
from .records import AgencyInfo, LocalGovernmentAnswer, Rule

MUNICIPAL_KINDS = {"city_municipality", "town_municipality", "subdistrict_municipality", "special_city"}
BANGKOK = "10"

KIND_LABELS = {
    "local_government": ("ท้องถิ่น", "local government"),
    "district_office": ("ที่ว่าการอำเภอ", "district office"),
    "province_hall": ("ศาลากลางจังหวัด", "province hall"),
    "pao": ("อบจ.", "provincial administrative organisation"),
    "utility": ("หน่วยงานสาธารณูปโภค", "utility"),
    "police": ("ตำรวจ", "police"),
    "bma_district_office": ("สำนักงานเขต", "BMA district office"),
    "bma_public_works": ("ฝ่ายโยธา", "public works division"),
    "bma_cleanliness": ("ฝ่ายรักษาความสะอาดและสวนสาธารณะ", "cleanliness and parks division"),
    "bma_law_enforcement": ("ฝ่ายเทศกิจ", "city law enforcement division"),
}


class UnknownCategory(ValueError):
    def __init__(self, codes, known):
        super().__init__(f"unknown categor{'y' if len(codes) == 1 else 'ies'}: {', '.join(codes)}")
        self.codes = codes
        self.known = known


@dataclass
class Directory:
    categories: dict  # code -> (name_th, name_en)
    rules: list  # Rule
    agencies: dict  # (kind, jurisdiction_code) -> [AgencyInfo]
    agencies_by_kind: dict  # kind -> [AgencyInfo] (for utilities and police)
    local_units: dict  # code -> LocalUnitInfo
    coverage: dict  # subdistrict code -> [(local unit code, "completely" | "partially")]
    version: tuple = ()
    # What is computed from this directory and kept with it (routing.rules.caches); not compared.
    caches: Caches = field(default_factory=Caches, repr=False, compare=False)

    def check_categories(self, categories):
        unknown = [c for c in categories if c not in self.categories]
        if unknown:
            raise UnknownCategory(unknown, sorted(self.categories))

    def rules_for(self, category, subdistrict_code):
        # The rules of a category in order, sorted once per directory; filtering keeps the order.
        by_category = self.caches.rules
        ranked = by_category.get(category)
        if ranked is None:
            found = [r for r in self.rules if r.category is None or r.category == category]
            ranked = by_category[category] = sorted(found, key=lambda r: (r.priority, -len(r.area_code), r.id))
        return [r for r in ranked if subdistrict_code.startswith(r.area_code)]


@dataclass
class Decision:
    agency: AgencyInfo | None
    reason_th: str
    reason_en: str
    confidence: str  # exact | partial | fallback | none
    rule: Rule | None
    local_government: LocalGovernmentAnswer | None
    alternatives: list = field(default_factory=list)  # [{"agency": {...}, "why": "..."}]

    def as_dict(self) -> dict:
        return {
            "agency": self.agency.as_dict() if self.agency else None,
            "reason": {"th": self.reason_th, "en": self.reason_en},
            "confidence": self.confidence,
            "rule": (
                {"id": self.rule.id, "note": self.rule.note, "chain": list(self.rule.chain)} if self.rule else None
            ),
            "alternatives": self.alternatives,
        }


def _metres(a, b) -> float:
    (lon1, lat1), (lon2, lat2) = a, b
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def local_government(directory: Directory, subdistrict_code: str, district_code: str, point) -> LocalGovernmentAnswer:
    # Where the answer does not depend on the point (all but partly covered subdistricts), it is
    # computed once per directory; answers are shared, never changed.
    static = directory.caches.local
    found = static.get(subdistrict_code)
    if found is None:
        found = _local_government(directory, subdistrict_code, point)
        if found.confidence != "partial":
            static[subdistrict_code] = found
    return found


def _local_government(directory: Directory, subdistrict_code: str, point) -> LocalGovernmentAnswer:
    if subdistrict_code.startswith(BANGKOK):
        bma = directory.local_units.get("BMA")
        return LocalGovernmentAnswer(bma, "bma", "exact" if bma else "none")
    entries = [(directory.local_units[code], how) for code, how in directory.coverage.get(subdistrict_code, ())]
    entries = [(u, how) for u, how in entries if u.kind != "pao"]
    complete = [(u, how) for u, how in entries if u.kind in MUNICIPAL_KINDS and how == "completely"]
    if complete:
        return LocalGovernmentAnswer(complete[0][0], "completely", "exact", complete[1:])
    partial = [(u, how) for u, how in entries if u.kind in MUNICIPAL_KINDS]
    sao = [(u, "sao") for u, how in entries if u.kind == "sao"]
    if partial:
        candidates = partial + sao

        def distance(entry):
            office = entry[0].office
            return _metres(point, office) if office else math.inf

        candidates.sort(key=lambda e: (distance(e), e[0].kind not in MUNICIPAL_KINDS, e[0].code))
        chosen, how = candidates[0]
        return LocalGovernmentAnswer(chosen, "partially" if how == "partially" else how, "partial", candidates[1:])
    if sao:
        return LocalGovernmentAnswer(sao[0][0], "sao", "exact", sao[1:])
    return LocalGovernmentAnswer(None, "none", "none")


def _agency(directory, kind, code):
    return next((a for a in directory.agencies.get((kind, code), ()) if a), None)


def resolve_kind(directory, kind, category, codes, lg: LocalGovernmentAnswer):
    """The active agency of this kind at the point, or None."""
    province, district, subdistrict = codes
    if kind == "local_government":
        if lg.unit is None:
            return None
        if lg.unit.code == "BMA":
            return _agency(directory, "bma_district_office", district)
        return next((a for a in directory.agencies.get((lg.unit.kind, lg.unit.code), ())), None)
    if kind in ("utility", "police"):
        for agency in directory.agencies_by_kind.get(kind, ()):
            if agency.serves(category) and (not agency.service_provinces or province in agency.service_provinces):
                return agency
        return None
    if kind == "district_office" and province == BANGKOK:
        return _agency(directory, "bma_district_office", district)
    if kind == "pao":
        return _agency(directory, "pao", f"PAO-{province}")
    for code in (subdistrict, district, province):
        agency = _agency(directory, kind, code)
        if agency:
            return agency
    return None


def _place(jurisdictions) -> tuple[str, str]:
    sub, district = jurisdictions["subdistrict"], jurisdictions["district"]
    if sub.code.startswith(BANGKOK):
        return f"แขวง{sub.name_th} ({sub.code}) {district.name_th}", f"{sub.name_en} ({sub.code}), {district.name_en}"
    return f"ต.{sub.name_th} ({sub.code}) อ.{district.name_th}", f"{sub.name_en} ({sub.code}), {district.name_en}"


def decide(directory: Directory, match, categories, point, exclude: frozenset = frozenset()) -> Decision:
    """The responsible agency for the first category (others become alternatives). Agencies whose
    code is in `exclude` (they returned the complaint as "not theirs") are passed over as if absent."""
    categories = list(categories) or ["other"]
    directory.check_categories(categories)
    jurisdictions = match.jurisdictions
    if not {"province", "district", "subdistrict"} <= set(jurisdictions):
        return Decision(
            None,
            "จุดนี้ไม่อยู่ในเขตการปกครองใด จึงส่งต่อหน่วยงานไม่ได้",
            f"no agency: the point is not inside Thailand's subdivisions ({match.reason})",
            "none",
            None,
            None,
        )
    codes = (jurisdictions["province"].code, jurisdictions["district"].code, jurisdictions["subdistrict"].code)
    lg = local_government(directory, codes[2], codes[1], point)
    primary = categories[0]
    decision = _decide_one(directory, primary, codes, lg, jurisdictions, exclude)
    for other in categories[1:]:
        extra = _decide_one(directory, other, codes, lg, jurisdictions, exclude)
        if extra.agency and (decision.agency is None or extra.agency.code != decision.agency.code):
            decision.alternatives.append({"agency": extra.agency.as_dict(), "why": f"for category {other}"})
    return decision


def _decide_one(directory, category, codes, lg, jurisdictions, exclude=frozenset()) -> Decision:
    place_th, place_en = _place(jurisdictions)
    cat_th, cat_en = directory.categories[category]
    alternatives = []
    for rule in directory.rules_for(category, codes[2]):
        for step, kind in enumerate(rule.chain):
            agency = resolve_kind(directory, kind, category, codes, lg)
            if agency is None or agency.code in exclude:
                continue
            kind_th, kind_en = KIND_LABELS.get(kind, (kind, kind.replace("_", " ")))
            confidence = "fallback" if step > 0 else "exact"
            if kind == "local_government":
                where_th, where_en = _local_phrase(lg)
                if lg.confidence == "partial" and step == 0:
                    confidence = "partial"
                for unit, how in lg.candidates:
                    other = next(iter(directory.agencies.get((unit.kind, unit.code), ())), None)
                    if other:
                        alternatives.append({"agency": other.as_dict(), "why": f"also covers this subdistrict ({how})"})
            else:
                where_th, where_en = "", ""
            skipped = [KIND_LABELS.get(k, (k, k))[1] for k in rule.chain[:step]]
            fallback_en = f" (no {', '.join(skipped)} here)" if skipped else ""
            reason_th = f"จุดนี้อยู่ใน{place_th}{where_th}; กฎ: {cat_th} → {kind_th}"
            reason_en = f"the point is in {place_en}{where_en}; rule: {cat_en} -> {kind_en}{fallback_en}"
            return Decision(agency, reason_th, reason_en, confidence, rule, lg, alternatives)
    return Decision(
        None,
        f"ไม่มีหน่วยงานรับผิดชอบ{cat_th}ที่{place_th}",
        f"no active agency for {cat_en} at {place_en}",
        "none",
        None,
        lg,
    )


def _local_phrase(lg: LocalGovernmentAnswer) -> tuple[str, str]:
    unit = lg.unit
    if lg.coverage == "completely":
        return f" ซึ่งอยู่ในพื้นที่{unit.name_th}ทั้งหมด", f", covered completely by {unit.name_en}"
    if lg.coverage == "partially":
        return (
            f" ซึ่ง{unit.name_th}ครอบคลุมบางส่วน (เลือกจากสำนักงานที่ใกล้ที่สุด)",
            f", covered partly by {unit.name_en} (chosen as the nearest office; the others are alternatives)",
        )
    if lg.coverage == "sao" and lg.confidence == "partial":
        return (
            f" ซึ่งเทศบาลครอบคลุมบางส่วน; เลือก{unit.name_th} (สำนักงานใกล้ที่สุด)",
            f", partly covered by a municipality; {unit.name_en} chosen as the nearest office",
        )
    if lg.coverage == "sao":
        return f" ในพื้นที่{unit.name_th}", f", in the area of {unit.name_en}"
    if lg.coverage == "bma":
        return " ในพื้นที่กรุงเทพมหานคร", ", in the Bangkok Metropolitan Administration"
    return "", ""
