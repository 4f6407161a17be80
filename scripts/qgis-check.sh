#!/usr/bin/env bash
# QGIS itself opens the OGC API and vector tile layers from a server started here on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-qgis qgis-providers >/dev/null
fi
.venv/bin/python manage.py prepare_layers  # the lighter default rendition, once per generation
PORT=${QGIS_CHECK_PORT:-8765}
.venv/bin/gunicorn geo.wsgi --bind 127.0.0.1:$PORT --workers 2 --timeout 120 >var/qgis-check-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ogc" >/dev/null && break; sleep 0.2; done
/usr/bin/python3 scripts/qgis_check.py "http://127.0.0.1:$PORT"
