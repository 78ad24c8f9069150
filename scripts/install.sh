#!/usr/bin/env bash
# install.sh — installs what renewmap needs and the machine lacks, from the distribution's
# packages: PostgreSQL with PostGIS (and pgRouting, the tests' oracle), and GDAL's command-line
# tools (the server's ogr2ogr writes the GeoPackage, Shapefile, DXF and KML downloads; the tests use
# ogrinfo as a real client). Safe to run again: it installs nothing that is already there.
set -euo pipefail

need=()
have_postgis() { ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; }
major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1 || true)
if [ -z "$major" ]; then
  need+=(postgresql postgresql-contrib postgis)
elif ! have_postgis; then
  need+=("postgresql-$major-postgis-3")
fi
# pgRouting, for the tests only: the walk-network oracle (internal/postgis/oracle_test.go).
if [ -z "$major" ]; then
  need+=(postgresql-pgrouting)
elif ! ls "/usr/share/postgresql/$major/extension/pgrouting.control" >/dev/null 2>&1; then
  need+=("postgresql-$major-pgrouting")
fi
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -x /usr/bin/time ] || need+=(time) # GNU time: bench-download.sh reads the ogr2ogr child's peak memory
# The browser tests (web/test): Debian's Chromium and a CJK font, without which every Chinese label
# renders as empty boxes.
deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
command -v chromium >/dev/null 2>&1 || need+=(chromium)
deb_installed fonts-wqy-microhei || need+=(fonts-wqy-microhei)

if [ ${#need[@]} -gt 0 ]; then
  echo "install.sh: installing ${need[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install.sh: need root (or sudo) to install ${need[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v go >/dev/null 2>&1 || { echo "install.sh: Go 1.26 or newer is required (https://go.dev/dl/)" >&2; exit 1; }

# npm packages of the web app (MapLibre GL JS, playwright-core for the browser tests), pinned by
# web/package-lock.json.
root=$(cd "$(dirname "$0")/.." && pwd)
# npm ci again when the lock file changed since (a pull that adds a package).
if [ ! -d "$root/web/node_modules" ] || [ "$root/web/package-lock.json" -nt "$root/web/node_modules/.package-lock.json" ]; then
  command -v npm >/dev/null 2>&1 || { echo "install.sh: Node.js 20 and npm are required for the web tests" >&2; exit 1; }
  echo "install.sh: npm ci in web/"
  (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
