"""Agreement of the matcher with labels real platforms recorded (Traffy Fondue, Bangkok).

District labels compare directly. Subdistrict labels go through a crosswalk: the platform's names
mix the BMA's current khwaeng with the older ones they were split from, so a label agrees when it
names the current khwaeng at the point (DOPA name) or the OCHA 2022 khwaeng at the point.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from .level import haversine_m
from .matcher import Matcher


def strip_prefix(name: str, prefix: str) -> str:
    name = (name or "").strip()
    return name[len(prefix) :].strip() if name.startswith(prefix) else name


@dataclass
class Agreement:
    complaints: int = 0
    district_agree: int = 0
    subdistrict_agree_current: int = 0
    subdistrict_agree_crosswalk: int = 0
    district_disagreements: list = field(default_factory=list)

    def lines(self) -> list[str]:
        n = self.complaints
        distances = [
            d["metres_to_recorded"] for d in self.district_disagreements if d["metres_to_recorded"] is not None
        ]
        near_100 = sum(m <= 100 for m in distances)
        farthest = f"{max(distances):.0f} m" if distances else "n/a"
        return [
            f"{n} Bangkok complaints",
            f"district agrees: {self.district_agree} ({self.district_agree / n:.1%})",
            f"subdistrict agrees by current name: {self.subdistrict_agree_current / n:.1%};"
            f" through the old/new khwaeng crosswalk: {self.subdistrict_agree_crosswalk / n:.1%}",
            f"the {len(self.district_disagreements)} district disagreements: {near_100} lie within 100 m of the"
            f" recorded district (pins on border roads); the farthest is {farthest}",
        ]


def read_traffy(path: Path, province="กรุงเทพมหานคร") -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["province"] == province]


def traffy_agreement(matcher: Matcher, traffy_csv: Path, ocha_bangkok_zip: Path) -> Agreement:
    rows = read_traffy(traffy_csv)
    lons = np.array([float(r["lon"]) for r in rows])
    lats = np.array([float(r["lat"]) for r in rows])
    batch = matcher.lookup_many(lons, lats)

    old = pyogrio.read_dataframe(ocha_bangkok_zip, encoding="utf-8")
    old_tree = shapely.STRtree(old.geometry.values)
    point_idx, poly_idx = old_tree.query(shapely.points(lons, lats), predicate="intersects")
    old_names = {}
    for p, g in zip(point_idx.tolist(), poly_idx.tolist()):
        old_names.setdefault(p, set()).add(strip_prefix(old["ADM3_TH"].iloc[g], "แขวง"))

    districts = next(level for level in matcher.levels if level.level == "district")
    district_by_name = {strip_prefix(name, "เขต"): i for i, name in enumerate(districts.names_th) if name}

    result = Agreement(complaints=len(rows))
    for k, row in enumerate(rows):
        match = batch.match(k)
        district = match.jurisdictions.get("district")
        subdistrict = match.jurisdictions.get("subdistrict")
        recorded_district = row["district"].strip()
        recorded_sub = row["subdistrict"].strip()
        if district and strip_prefix(district.name_th, "เขต") == recorded_district:
            result.district_agree += 1
        else:
            i = district_by_name.get(recorded_district)
            metres = None
            if i is not None:
                point = shapely.Point(lons[k], lats[k])
                (x, y), _ = shapely.shortest_line(districts.geoms[i], point).coords
                metres = round(float(haversine_m(lons[k], lats[k], x, y)), 1)
            result.district_disagreements.append(
                {
                    "ticket": row["ticket_id"],
                    "recorded": recorded_district,
                    "routed": district.name_th if district else None,
                    "metres_to_recorded": metres,
                }
            )
        current = strip_prefix(subdistrict.name_th, "แขวง") if subdistrict else None
        if current == recorded_sub:
            result.subdistrict_agree_current += 1
        if current == recorded_sub or recorded_sub in old_names.get(k, set()):
            result.subdistrict_agree_crosswalk += 1
    return result
