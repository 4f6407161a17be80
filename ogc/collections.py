"""The layers offered to GIS clients (OGC API - Features and vector tiles), described once."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    kind: str  # boundary | local_government | service_area | complaint
    level: str = ""
    properties: dict = field(default_factory=dict)  # filterable property -> column
    temporal: bool = False

    @property
    def polygons(self) -> bool:
        """Served lighter by default, full resolution with resolution=full."""
        return self.kind != "complaint"


# The lighter default rendition of polygon layers (ogc/lighter.py): Douglas-Peucker distance on the
# shared borders, in degrees (3e-4° is 33 m north-south, 32 m east-west at 15°N), and decimals kept.
LIGHT_TOLERANCE = 3e-4
LIGHT_TOLERANCE_M = 33
LIGHT_PRECISION = 6
# Agencies' service areas overlap by design (a province hall, its districts and its local
# governments cover the same ground) and are read whole as context: their default shapes are the
# lighter ones simplified once more, so QGIS reads all 8,089 in seconds (docs/layers.md).
SERVICE_AREA_TOLERANCE = 1e-3
SERVICE_AREA_TOLERANCE_M = 110

LIGHTER = (
    f" Geometry: lighter by default (borders simplified within {LIGHT_TOLERANCE_M} m without opening gaps"
    f" between neighbours, coordinates to {LIGHT_PRECISION} decimals, about a twelfth of the vertices,"
    " precomputed per boundary generation); resolution=full for the boundaries at full resolution."
)


BOUNDARY_PROPERTIES = {"code": "code", "parent_code": "parent_code", "name_th": "name_th", "name_en": "name_en"}

COLLECTIONS = {
    c.id: c
    for c in [
        Collection(
            "provinces",
            "Provinces (จังหวัด)",
            "77 provinces, active generation." + LIGHTER,
            "boundary",
            "province",
            BOUNDARY_PROPERTIES,
        ),
        Collection(
            "districts",
            "Districts (อำเภอ / เขต)",
            "928 districts, active generation." + LIGHTER,
            "boundary",
            "district",
            BOUNDARY_PROPERTIES,
        ),
        Collection(
            "subdistricts",
            "Subdistricts (ตำบล / แขวง)",
            "7,436 subdistricts, active generation." + LIGHTER,
            "boundary",
            "subdistrict",
            BOUNDARY_PROPERTIES,
        ),
        Collection(
            "local_government",
            "Local government areas (เทศบาล / อบต.)",
            "Municipalities and SAOs drawn as the union of the subdistricts they cover; where they cover one only"
            " partly, the area says coverage=approximate." + LIGHTER,
            "local_government",
            properties={
                "code": "code",
                "kind": "kind",
                "province_code": "province_code",
                "district_code": "district_code",
            },
        ),
        Collection(
            "service_areas",
            "Agencies' service areas",
            "One feature per active agency: its explicit service area if it has one (area_source=explicit);"
            " otherwise, from the active boundaries, the union of the provinces a utility serves"
            " (area_source=provinces), a local government's area (area_source=local_government: the union of"
            " the subdistricts it covers, coverage=approximate where it covers one only partly; a PAO its"
            " province), or the province, district or subdistrict of its jurisdiction code"
            " (area_source=boundary). Agencies with nothing to draw are left out: a national agency without a"
            " service area (the Royal Thai Police) and local governments whose subdistricts the boundaries"
            " lack. Areas overlap: a province hall, its district offices, its local governments and the utilities"
            " all cover the same ground. Geometry: by default an overview, the lighter shapes simplified within"
            f" {SERVICE_AREA_TOLERANCE_M} m (no shared borders to keep: the areas overlap); resolution=full for the"
            " areas at full resolution.",
            "service_area",
            properties={
                "code": "agency__code",
                "kind": "agency__kind",
                "jurisdiction_code": "agency__jurisdiction_code",
                "area_source": "area_source",
            },
        ),
        Collection(
            "complaints",
            "Complaints",
            "Citizen complaints with status, category and the agency responsible (no personal data); due_at is"
            " the current deadline, overdue says it has passed while the complaint is open, escalation_level how"
            " many levels it went up and escalated_to the agency it went to",
            "complaint",
            properties={
                "status": "status",
                "agency": "agency__code",
                "escalated_to": "escalated_to__code",
                "subdistrict_code": "subdistrict_code",
                "district_code": "district_code",
                "province_code": "province_code",
            },
            temporal=True,
        ),
    ]
}
