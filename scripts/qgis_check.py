"""QGIS itself (headless, Debian's 3.22) against a live server: the ready-made project, every
collection read in full within the time an analyst waits, and a filtered complaints layer.

    make qgis-check      (installs Debian's python3-qgis; starts its own server on loopback)

Runs under Debian's /usr/bin/python3, where the qgis module lives; QGIS can crash in exitQgis()
when headless, so the script ends with os._exit.
"""

import json
import os
import sys
import tempfile
import time
import urllib.parse
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer, QgsVectorTileLayer

COLLECTIONS = ("provinces", "districts", "subdistricts", "local_government", "service_areas", "complaints")
BUDGET_S = 10.0  # a whole collection, read by QGIS
FILES = {  # ogc/downloads.py OFFERED
    "provinces": ("full", "light"),
    "districts": ("full", "light"),
    "subdistricts": ("full", "light"),
    "local_government": ("full", "light"),
    "service_areas": ("light",),
}


def matched(base: str, collection: str, query: str = "") -> int:
    url = f"{base}/ogc/collections/{collection}/items?limit=1{query}"
    with urllib.request.urlopen(url, timeout=300) as reply:
        return json.load(reply)["numberMatched"]


def read(layer) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(1 for _ in layer.getFeatures()) if layer.isValid() else -1
    return count, time.perf_counter() - started


def main(base: str) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    failures = 0

    def report(ok: bool, line: str):
        nonlocal failures
        failures += not ok
        print(f"{line} {'ok' if ok else 'FAILED'}", flush=True)

    for collection in COLLECTIONS:
        expected = matched(base, collection)  # the test suite checks these against the database
        started = time.perf_counter()
        layer = QgsVectorLayer(f"url='{base}/ogc' typename='{collection}' pageSize='1000'", collection, "OAPIF")
        count, _ = read(layer)
        seconds = time.perf_counter() - started
        line = f"QGIS OAPIF {collection}: valid={layer.isValid()} features={count} (expected {expected})"
        report(count == expected and seconds <= BUDGET_S, f"{line} in {seconds:.1f} s")

    # the polygon collections as FlatGeobuf files, as the ready-made project opens them
    for collection, resolutions in FILES.items():
        for resolution in resolutions:
            expected = matched(base, collection)
            started = time.perf_counter()
            url = f"/vsicurl/{base}/ogc/collections/{collection}/download.fgb?resolution={resolution}"
            layer = QgsVectorLayer(url, collection, "ogr")
            count, _ = read(layer)
            seconds = time.perf_counter() - started
            line = f"QGIS FlatGeobuf {collection} ({resolution}): valid={layer.isValid()} features={count}"
            report(count == expected and seconds <= BUDGET_S, f"{line} (expected {expected}) in {seconds:.1f} s")

    # a filtered complaints layer: QGIS 3.22 evaluates a layer's subset string itself, so the
    # count is compared with what the server's CQL2 filter selects for the same condition
    waiting = QgsVectorLayer(f"url='{base}/ogc' typename='complaints' pageSize='1000'", "waiting", "OAPIF")
    accepted = waiting.setSubsetString("\"status\" = 'waiting'")
    count, seconds = read(waiting)
    expected = matched(base, "complaints", "&filter=" + urllib.parse.quote("status = 'waiting'"))
    report(
        accepted and count == expected,
        f"QGIS filtered complaints (status = 'waiting'): {count} (server's CQL2: {expected})",
    )

    tiles = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/subdistricts/{{z}}/{{x}}/{{y}}.mvt&zmin=0&zmax=18", "tiles")
    report(tiles.isValid(), f"QGIS vector tiles subdistricts: valid={tiles.isValid()}")

    # the ready-made project, as an analyst downloads it from this server
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "project.qgz")
        urllib.request.urlretrieve(f"{base}/qgis/project.qgz", path)
        project = QgsProject.instance()
        report(project.read(path), f"QGIS project {base}/qgis/project.qgz: read")
        for layer in project.mapLayers().values():
            source = layer.source()
            ok = layer.isValid() and base in urllib.parse.unquote(source)
            line = f"  project layer {layer.name()!r} ({layer.providerType()}): valid={layer.isValid()}"
            if isinstance(layer, QgsVectorLayer):
                count, seconds = read(layer)
                renderer = layer.renderer().type() if layer.renderer() else "none (no geometry seen)"
                ok = ok and count >= 0
                line += f" features={count} in {seconds:.1f} s, renderer={renderer}"
            report(ok, line)
    sys.stdout.flush()
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1])
