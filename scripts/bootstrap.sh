#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine; fast no-op when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(postgresql-15 postgresql-15-postgis-3 gdal-bin libgdal32 libgeos-c1v5 libproj25 binutils chromium chromium-driver fonts-thai-tlwg wrk nginx redis-server libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext pgbouncer)
command -v npm >/dev/null 2>&1 || DEB_PACKAGES+=(nodejs npm)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi
# requirements-dev.txt (which includes requirements.txt): `make run` and `make test` share this
# step and the venv. A deployment that only serves installs requirements.txt.
stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages from requirements-dev.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c "import django, rest_framework_gis, shapely, geopandas, pyogrio, psycopg, procrastinate, pytest"
  echo "$want" > "$stamp"
fi

# The map page's libraries, from npm, at the versions package-lock.json pins.
lock_stamp=web/node_modules/.lock.sha
want_lock=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$lock_stamp" 2>/dev/null)" != "$want_lock" ]; then
  echo "bootstrap: installing the map page's npm packages"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want_lock" > "$lock_stamp"
fi
