"""The settings of the lighter renditions of the layers offered to GIS clients (OGC API - Features
and vector tiles), and the sentence their descriptions share. The collections themselves are in
ogc/providers/ (one module per kind, found through `ogc.providers.REGISTRY`). A leaf: it imports
nothing of the project, so the providers and the modules they use can all read it.
"""

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
