"""Local government from the tambon database XML (geocodeNN.xml): municipalities, SAOs, PAOs.

A municipality covers subdistricts completely or partially (<areacoverage>); an SAO (อบต.) is the
TAO office inside its tambon. Units marked obsolete are skipped. Codes: the municipality geocode
from the data (e.g. 5399); SAOs and PAOs have none there, so they get "SAO-<tambon>" and
"PAO-<province>".
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

NS = "{http://hoerstemeier.com/tambon/}"
GEO = "{http://www.w3.org/2003/01/geo/wgs84_pos#}"

MUNICIPALITY_KINDS = {
    "ThesabanNakhon": ("city_municipality", "เทศบาลนคร", "City Municipality"),
    "ThesabanMueang": ("town_municipality", "เทศบาลเมือง", "Town Municipality"),
    "ThesabanTambon": ("subdistrict_municipality", "เทศบาลตำบล", "Subdistrict Municipality"),
    "Mueang": ("special_city", "เมือง", "City"),  # Pattaya
}


@dataclass
class LocalUnit:
    code: str
    kind: str
    name_th: str
    name_en: str
    province_code: str
    district_code: str = ""
    lon: float | None = None
    lat: float | None = None
    coverage: dict = field(default_factory=dict)  # subdistrict code -> "completely" | "partially"


def _obsolete(element) -> bool:
    return element.get("obsolete") in ("1", "true")


def _office_point(entity):
    for point in entity.iter(f"{GEO}Point"):
        lat, lon = point.find(f"{GEO}lat"), point.find(f"{GEO}long")
        try:
            return float(lon.text), float(lat.text)
        except (AttributeError, TypeError, ValueError):
            continue
    return None, None


def _coverage(entity) -> dict:
    out = {}
    for area in entity.iter(f"{NS}areacoverage"):
        for item in area.findall(f"{NS}entity"):
            code, how = item.get("geocode"), item.get("coverage", "completely")
            if code and len(code) == 6:
                out[code] = "partially" if how == "partially" else "completely"
    return out


def parse_province(path: Path) -> list[LocalUnit]:
    root = ET.parse(path).getroot()
    province = root.get("geocode")
    units = [
        LocalUnit(
            code=f"PAO-{province}",
            kind="pao",
            name_th=f"องค์การบริหารส่วนจังหวัด{root.get('name')}",
            name_en=f"{root.get('english')} Provincial Administrative Organization",
            province_code=province,
        )
    ]
    for entity in root.iter(f"{NS}entity"):
        kind = entity.get("type")
        if _obsolete(entity):
            continue
        if kind in MUNICIPALITY_KINDS:
            key, prefix_th, suffix_en = MUNICIPALITY_KINDS[kind]
            offices = [o for o in entity.findall(f"{NS}office") if not _obsolete(o)]
            if entity.findall(f"{NS}office") and not offices:
                continue
            lon, lat = _office_point(entity)
            units.append(
                LocalUnit(
                    code=entity.get("geocode"),
                    kind=key,
                    name_th=f"{prefix_th}{entity.get('name')}",
                    name_en=f"{entity.get('english')} {suffix_en}",
                    province_code=province,
                    district_code=(entity.get("parent") or "")[:4],
                    lon=lon,
                    lat=lat,
                    coverage=_coverage(entity),
                )
            )
        elif kind == "Tambon":
            tambon = entity.get("geocode")
            for office in entity.findall(f"{NS}office"):
                if office.get("type") != "TAOOffice" or _obsolete(office):
                    continue
                lon, lat = _office_point(office)
                units.append(
                    LocalUnit(
                        code=f"SAO-{tambon}",
                        kind="sao",
                        name_th=f"องค์การบริหารส่วนตำบล{entity.get('name')}",
                        name_en=f"{entity.get('english')} Subdistrict Administrative Organization",
                        province_code=province,
                        district_code=tambon[:4],
                        lon=lon,
                        lat=lat,
                        coverage=_coverage(office) or {tambon: "completely"},
                    )
                )
    return units


def parse_all(directory: Path) -> list[LocalUnit]:
    files = sorted(Path(directory).glob("geocode*.xml"))
    if not files:
        raise FileNotFoundError(
            f"{directory}: no geocodeNN.xml files; get them from the Ahoerstemeier/tambon database (AmphoeData)"
        )
    return [unit for path in files for unit in parse_province(path)]
