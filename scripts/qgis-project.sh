#!/usr/bin/env bash
# Rebuild the QGIS project and the collections' styles with PyQGIS (ogc/qgis/, served at
# /qgis/project.qgz and /ogc/collections/{id}/style.qml|sld) and write var/qgis/project.qgz for
# QGIS_BASE (default http://127.0.0.1:8000, where `make run` serves).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/qgis-server.sh
/usr/bin/python3 scripts/qgis_project.py "http://127.0.0.1:$PORT" ogc/qgis
.venv/bin/python manage.py qgis_project --base "${QGIS_BASE:-http://127.0.0.1:8000}" --out var/qgis/project.qgz
