"""The official DOPA code list (77 / 928 / 7,436), from the geothai package (data CC BY 4.0)."""

from functools import cache

import geothai

from .models import Level


@cache
def official_units() -> dict[str, dict[str, tuple[str, str]]]:
    """{level: {code: (name_th, name_en)}} for provinces, districts and subdistricts."""
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    return {
        Level.PROVINCE: {p.code: (p.name_th, p.name_en) for p in provinces},
        Level.DISTRICT: {d.code: (d.name_th, d.name_en) for d in districts},
        Level.SUBDISTRICT: {s.code: (s.name_th, s.name_en) for s in subdistricts},
    }


def compare_codes(level: str, codes, names_th=None) -> dict:
    """Codes loaded but not official, official but not loaded, with a same-name hint for each."""
    official = official_units().get(level, {})
    loaded = dict(zip(codes, names_th or [""] * len(codes)))
    unknown = sorted(set(loaded) - set(official))
    missing = sorted(set(official) - set(loaded))
    by_name = {}
    for code in missing:
        by_name.setdefault((code[:2], official[code][0]), []).append(code)
    hints = []
    for code in unknown:
        same = by_name.get((code[:2], loaded[code]), [])
        hints.append({"code": code, "name_th": loaded[code], "official_code_with_same_name": same[0] if same else None})
    return {
        "level": level,
        "loaded": len(loaded),
        "official": len(official),
        "not_in_official_list": hints,
        "official_not_loaded": [{"code": c, "name_th": official[c][0], "name_en": official[c][1]} for c in missing],
    }
