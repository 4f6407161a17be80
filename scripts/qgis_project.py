"""Build the ready-made QGIS project and the per-collection styles with PyQGIS itself.

    /usr/bin/python3 scripts/qgis_project.py http://127.0.0.1:PORT ogc/qgis

Runs under Debian's python3-qgis (QGIS 3.22) against a live server (the layers must open to be
styled); writes OUT/project.qgs and OUT/styles/{collection}.qml / .sld, with the server's base URL
replaced by placeholders that ogc/qgis.py fills in per request (GET /qgis/project.qgz). `make
qgis-project` runs it and writes var/qgis/project.qgz for the local server. QGIS can crash in
exitQgis() when headless, so the script ends with os._exit.
"""

import os
import sys
from pathlib import Path
from urllib.parse import quote

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsClassificationQuantile,
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsMarkerSymbol,
    QgsProject,
    QgsRendererCategory,
    QgsStyle,
    QgsVectorLayer,
    QgsVectorTileLayer,
)

RAW, ENCODED = "__OGC_BASE__", "__OGC_BASE_ENCODED__"
# the map page's colours (web/static/web/map.js), so QGIS shows the same map
STATUS_COLOURS = {
    "waiting": "#d7301f",
    "in_progress": "#fc8d59",
    "forwarded": "#9e66ab",
    "follow_up": "#fdbb84",
    "finished": "#1a9850",
    "irrelevant": "#969696",
}
# (collection, layer name, outline colour, outline width mm, visible, file resolution). The polygon
# layers open the collections' FlatGeobuf files (read by HTTP ranges, seconds for the whole country);
# the boundaries at full resolution, the overlapping context layers lighter.
POLYGONS = [
    ("provinces", "Provinces", "#24435f", 0.6, True, "full"),
    ("districts", "Districts", "#4a6a8a", 0.3, True, "full"),
    ("subdistricts", "Subdistricts", "#8aa5bf", 0.15, False, "full"),
    ("local_government", "Local government areas", "#7b5ea7", 0.2, False, "light"),
    ("service_areas", "Agencies' service areas", "#b35806", 0.2, False, "light"),
]


def outline(colour: str, width: float) -> QgsFillSymbol:
    return QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "style": "no", "outline_color": colour, "outline_width": str(width)}
    )


def oapif(base: str, collection: str, name: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"url='{base}/ogc' typename='{collection}' pageSize='1000'", name, "OAPIF")
    if not layer.isValid():
        raise SystemExit(f"{collection}: the layer does not open from {base}")
    return layer


def flatgeobuf(base: str, collection: str, name: str, resolution: str) -> QgsVectorLayer:
    url = f"/vsicurl/{base}/ogc/collections/{collection}/download.fgb?resolution={resolution}"
    layer = QgsVectorLayer(url, name, "ogr")
    if not layer.isValid():
        raise SystemExit(f"{collection}: the FlatGeobuf file does not open from {url}")
    return layer


def complaints(base: str) -> QgsVectorLayer:
    layer = oapif(base, "complaints", "Complaints by status")
    categories = []
    for status, colour in STATUS_COLOURS.items():
        symbol = QgsMarkerSymbol.createSimple({"color": colour, "size": "2.2", "outline_color": "255,255,255"})
        categories.append(QgsRendererCategory(status, symbol, status.replace("_", " ")))
    layer.setRenderer(QgsCategorizedSymbolRenderer("status", categories))
    return layer


def choropleth(base: str) -> QgsVectorLayer:
    url = f"{base}/api/v1/stats?group=province&format=geojson"
    layer = QgsVectorLayer(url, "Complaints per province (statistics)", "ogr")
    if not layer.isValid():
        raise SystemExit(f"the statistics choropleth does not open from {url}")
    renderer = QgsGraduatedSymbolRenderer("complaints")
    renderer.setClassificationMethod(QgsClassificationQuantile())
    renderer.setSourceColorRamp(QgsStyle.defaultStyle().colorRamp("Reds"))
    renderer.updateClasses(layer, 5)
    layer.setRenderer(renderer)
    layer.setOpacity(0.7)
    return layer


def tiles(base: str) -> QgsVectorTileLayer:
    uri = f"type=xyz&url={base}/tiles/subdistricts/{{z}}/{{x}}/{{y}}.mvt&zmin=0&zmax=14"
    layer = QgsVectorTileLayer(uri, "Subdistricts (vector tiles)")
    if not layer.isValid():
        raise SystemExit("the vector tiles do not open")
    return layer


def placeholders(text: str, base: str) -> str:
    """The server's base URL as placeholders (percent-encoded inside some QGIS URIs)."""
    for encoded in (quote(base, safe=""), quote(base, safe="/")):
        text = text.replace(encoded, ENCODED) if encoded != base else text
    return text.replace(base, RAW)


def main(base: str, out: Path) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    (out / "styles").mkdir(parents=True, exist_ok=True)
    project = QgsProject.instance()
    project.setTitle("Thailand complaint routing: boundaries, complaints, statistics")
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    layers = []
    for collection, name, colour, width, visible, resolution in POLYGONS:
        layer = flatgeobuf(base, collection, name, resolution)
        layer.renderer().setSymbol(outline(colour, width))
        layers.append((layer, visible, collection))
    layers.append((complaints(base), True, "complaints"))
    layers.insert(0, (choropleth(base), True, None))
    layers.append((tiles(base), False, None))
    for layer, _, collection in layers:
        if collection:
            layer.saveNamedStyle(str(out / "styles" / f"{collection}.qml"))
            layer.saveSldStyle(str(out / "styles" / f"{collection}.sld"))
    # drawn bottom to top: statistics under the boundaries, complaints on top
    for layer, visible, _ in reversed(layers):
        project.addMapLayer(layer)
        project.layerTreeRoot().findLayer(layer.id()).setItemVisibilityChecked(visible)
    path = out / "project.qgs"
    if not project.write(str(path)):
        raise SystemExit(f"could not write {path}")
    path.write_text(placeholders(path.read_text(), base))
    for style in (out / "styles").iterdir():
        style.write_text(placeholders(style.read_text(), base))
    print(f"wrote {path} and {len(list((out / 'styles').iterdir()))} styles")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
