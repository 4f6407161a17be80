"""Open our OGC API - Features and vector tile layers in QGIS itself (headless) and count features.

    make qgis-check      (installs Debian's python3-qgis; starts its own server on loopback)

Runs under Debian's /usr/bin/python3, where the qgis module lives; QGIS can crash in exitQgis()
when headless, so the script ends with os._exit.
"""

import json
import os
import sys
import time
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsVectorLayer, QgsVectorTileLayer


def main(base: str) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    failures = 0
    for collection, expected in (("provinces", 77), ("districts", 928), ("subdistricts", 7436), ("service_areas", 0)):
        if not expected:  # as many as the server reports (the test suite checks that against the database)
            with urllib.request.urlopen(f"{base}/ogc/collections/{collection}/items?limit=1", timeout=300) as reply:
                expected = json.load(reply)["numberMatched"]
        started = time.perf_counter()
        uri = f"url='{base}/ogc' typename='{collection}' pageSize='1000'"
        layer = QgsVectorLayer(uri, collection, "OAPIF")
        count = sum(1 for _ in layer.getFeatures()) if layer.isValid() else -1
        seconds = time.perf_counter() - started
        status = "ok" if count == expected else "FAILED"
        failures += status != "ok"
        print(
            f"QGIS OAPIF {collection}: valid={layer.isValid()} features={count} (expected {expected})"
            f" in {seconds:.1f} s {status}"
        )
    tiles = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/subdistricts/{{z}}/{{x}}/{{y}}.mvt&zmin=0&zmax=18", "tiles")
    print(f"QGIS vector tiles subdistricts: valid={tiles.isValid()}")
    failures += not tiles.isValid()
    sys.stdout.flush()
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1])
