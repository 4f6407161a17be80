# Sourced by qgis-check.sh and qgis-project.sh: Debian's QGIS 3.22 (python3-qgis) installed, the
# lighter layers prepared, and a server of their own on loopback ($PORT, stopped on exit).
if ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-qgis qgis-providers >/dev/null
fi
# the lighter default rendition and the whole-collection files, once per generation
.venv/bin/python manage.py prepare_layers --downloads now
PORT=${QGIS_CHECK_PORT:-8765}
ACCESS_LOG=var/qgis-check-access.log
: >"$ACCESS_LOG"
GEO_PRELOAD_MATCHER=0 .venv/bin/gunicorn geo.wsgi --bind 127.0.0.1:$PORT --workers 2 --timeout 300 \
  --access-logfile "$ACCESS_LOG" >var/qgis-check-server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/ogc" >/dev/null && break; sleep 0.2; done
