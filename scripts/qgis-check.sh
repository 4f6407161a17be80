#!/usr/bin/env bash
# QGIS itself opens the ready-made project, every OGC API collection and the vector tiles from a
# server started here on loopback, and reads a filtered complaints layer.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/qgis-server.sh
/usr/bin/python3 scripts/qgis_check.py "http://127.0.0.1:$PORT"
