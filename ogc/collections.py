"""The layers offered to GIS clients (OGC API - Features and vector tiles), described once."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    kind: str  # boundary | complaint
    level: str = ""
    properties: dict = field(default_factory=dict)  # filterable property -> column
    temporal: bool = False


BOUNDARY_PROPERTIES = {"code": "code", "parent_code": "parent_code", "name_th": "name_th", "name_en": "name_en"}

COLLECTIONS = {
    c.id: c
    for c in [
        Collection(
            "provinces",
            "Provinces (จังหวัด)",
            "77 provinces, active generation",
            "boundary",
            "province",
            BOUNDARY_PROPERTIES,
        ),
        Collection(
            "districts",
            "Districts (อำเภอ / เขต)",
            "928 districts, active generation",
            "boundary",
            "district",
            BOUNDARY_PROPERTIES,
        ),
        Collection(
            "subdistricts",
            "Subdistricts (ตำบล / แขวง)",
            "7,436 subdistricts, active generation",
            "boundary",
            "subdistrict",
            BOUNDARY_PROPERTIES,
        ),
        Collection(
            "local_government",
            "Local government areas (เทศบาล / อบต.)",
            "Municipalities and SAOs drawn as the union of the subdistricts they cover; where they cover one only"
            " partly, the area says coverage=approximate",
            "local_government",
            properties={
                "code": "code",
                "kind": "kind",
                "province_code": "province_code",
                "district_code": "district_code",
            },
        ),
        Collection(
            "complaints",
            "Complaints",
            "Citizen complaints with status, category and the agency responsible (no personal data)",
            "complaint",
            properties={
                "status": "status",
                "agency": "agency__code",
                "subdistrict_code": "subdistrict_code",
                "district_code": "district_code",
                "province_code": "province_code",
            },
            temporal=True,
        ),
    ]
}
