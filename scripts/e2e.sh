#!/usr/bin/env bash
# e2e.sh — the browser end-to-end test: builds bin/renewmap, serves it on a free loopback port
# against a fresh database renewmap_e2e (created on the server of $DATABASE_URL, which the server
# migrates and fills with the demo data), and runs web/test/map.test.mjs in headless Chromium.
# Screenshots go to artifacts/. Exits with the test's status; the server is always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?e2e.sh: DATABASE_URL must name a PostGIS server (scripts/pg.sh url)}"
[ -d web/node_modules/playwright-core ] || (cd web && npm ci --no-audit --no-fund)

go build -o bin/renewmap ./cmd/renewmap

# The same server, another database: replace the path of the URL, keep its query.
db=renewmap_e2e
query=""
case "$DATABASE_URL" in *\?*) query="?${DATABASE_URL#*\?}" ;; esac
prefix=${DATABASE_URL%%\?*}
prefix=${prefix%/*}
admin_url="$prefix/postgres$query"
e2e_url="$prefix/$db$query"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
base="http://127.0.0.1:$port"
mkdir -p artifacts
log=artifacts/e2e-server.log

# The test logs in through the page as a designer (who sees every layer, pipelines included).
DATABASE_URL="$e2e_url" ./bin/renewmap migrate >/dev/null
export E2E_USER=e2e-designer
E2E_PASSWORD=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add "$E2E_USER" -role designer -name "浏览器测试" | sed -n 's/^password: //p')
export E2E_PASSWORD
admin_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-admin -role admin -name "浏览器测试管理员" | sed -n 's/^password: //p')
planner_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-planner -role planner -name "浏览器测试规划人员" | sed -n 's/^password: //p')
leader_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-leader -role leader -name "浏览器测试领导" | sed -n 's/^password: //p')
viewer_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-viewer -role viewer -name "浏览器测试查看者" | sed -n 's/^password: //p')
# The 片区 page test (web/test/areas.test.mjs) saves areas: it runs as a planner of its own.
areas_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-areas -role planner -name "浏览器测试片区规划" | sed -n 's/^password: //p')
# The map-editing test (web/test/edit.test.mjs) needs two planners of its own (a save conflict).
edit1_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-edit1 -role planner -name "浏览器测试编辑甲" | sed -n 's/^password: //p')
edit2_password=$(DATABASE_URL="$e2e_url" ./bin/renewmap user add e2e-edit2 -role planner -name "浏览器测试编辑乙" | sed -n 's/^password: //p')

DATABASE_URL="$e2e_url" ./bin/renewmap serve -addr "127.0.0.1:$port" -load-demo >"$log" 2>&1 &
server=$!
faults_server=""
stop() {
  kill "$server" $faults_server 2>/dev/null || true
  wait "$server" $faults_server 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

echo "e2e.sh: waiting for $base/readyz (migrating and loading the demo data)"
ready=""
for _ in $(seq 1 240); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "e2e.sh: the server exited; its log:" >&2; tail -n 40 "$log" >&2; exit 1
  fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)" = 200 ]; then ready=1; break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "e2e.sh: $base/readyz not 200 after 120 s; the server's log:" >&2; tail -n 40 "$log" >&2; exit 1
fi

status=0
# E2E_ONLY="map quality" runs only the named suites (web/test/NAME.test.mjs); empty runs them all.
wanted() { [ -z "${E2E_ONLY:-}" ] || [[ " $E2E_ONLY " == *" $1 "* ]]; }
# suite NAME URL [VAR=value…]: one browser suite against URL, with its own account in the variables.
suite() {
  local name=$1 url=$2; shift 2
  wanted "$name" || return 0
  env "$@" node "web/test/$name.test.mjs" "$url" artifacts || status=$?
}
suite map "$base"
suite admin "$base" E2E_USER=e2e-admin E2E_PASSWORD=$admin_password E2E_PLANNER=e2e-planner E2E_PLANNER_PASSWORD=$planner_password
suite downloads "$base"
suite account "$base"
suite ogc "$base"
suite access "$base" E2E_USER=e2e-planner E2E_PASSWORD=$planner_password
suite dashboard "$base" E2E_USER=e2e-leader E2E_PASSWORD=$leader_password
suite plan "$base" E2E_USER=e2e-planner E2E_PASSWORD=$planner_password E2E_VIEWER=e2e-viewer E2E_VIEWER_PASSWORD=$viewer_password
suite areas "$base" E2E_USER=e2e-areas E2E_PASSWORD=$areas_password
# Every staff page at 1280×720, 1440×900 and 1920×1080, and the Chinese error paths.
suite screens "$base" E2E_USER=e2e-admin E2E_PASSWORD=$admin_password E2E_VIEWER=e2e-viewer E2E_VIEWER_PASSWORD=$viewer_password
# The residents' pages (public notice, survey on a phone, the planner's results).
suite residents "$base" E2E_USER=e2e-planner E2E_PASSWORD=$planner_password
# The error paths of the remaining forms (plan, surveys, 片区, codes, import mapping); it opens
# surveys, so it runs after the residents' pages.
suite forms "$base" E2E_USER=e2e-planner E2E_PASSWORD=$planner_password
# base_map_suite NAME LABEL VAR=value…: a second server on the same database with the base map
# the variables configure, and the suite NAME against it (its server log named by LABEL).
base_map_suite() {
  local name=$1 label=$2; shift 2
  wanted "$name" || return 0
  local port2 server2
  port2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  env "$@" DATABASE_URL="$e2e_url" ./bin/renewmap serve -addr "127.0.0.1:$port2" -load-demo=false >"artifacts/e2e-server-$label.log" 2>&1 &
  server2=$!
  for _ in $(seq 1 60); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port2/readyz" || true)" = 200 ] && break
    sleep 0.5
  done
  suite "$name" "http://127.0.0.1:$port2"
  kill "$server2" 2>/dev/null || true
  wait "$server2" 2>/dev/null || true
}
# The 天地图 base map: its tiles asked of a stand-in host that the test answers in the browser
# (no Internet).
base_map_suite basemap tianditu RENEWMAP_BASE_MAP=tianditu RENEWMAP_TIANDITU_KEY=e2e-key RENEWMAP_TIANDITU_URL='http://127.0.0.1:9/t{n}'
# The local base map: PMTiles files the tests' fixture module writes, of PNG and of vector tiles.
if wanted basemap-pmtiles; then
  for kind in png vector; do
    node web/test/tile-fixtures.mjs "artifacts/basemap-$kind.pmtiles" "$kind"
    base_map_suite basemap-pmtiles "pmtiles-$kind" RENEWMAP_BASE_MAP=pmtiles RENEWMAP_BASE_MAP_FILE="artifacts/basemap-$kind.pmtiles"
  done
fi
# The data-quality panel: a second server on a database holding only the network with faults on
# purpose (internal/ingest/testdata/faults: a dangle 3 m short, a community joined nowhere).
if wanted quality; then
  faults_db=renewmap_e2e_faults
  faults_url="$prefix/$faults_db$query"
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "DROP DATABASE IF EXISTS $faults_db WITH (FORCE)" -c "CREATE DATABASE $faults_db" >/dev/null
  DATABASE_URL="$faults_url" ./bin/renewmap migrate >/dev/null
  DATABASE_URL="$faults_url" ./bin/renewmap load internal/ingest/testdata/faults >/dev/null 2>&1
  # 连通小区 as an import with provisional communities leaves it: 待核实, for the test to confirm.
  psql -X -q -v ON_ERROR_STOP=1 "$faults_url" -c "UPDATE communities SET provisional = true WHERE code = 'QC'" >/dev/null
  quality_password=$(DATABASE_URL="$faults_url" ./bin/renewmap user add e2e-quality -role planner -name "浏览器测试数据质量" | sed -n 's/^password: //p')
  faults_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  DATABASE_URL="$faults_url" ./bin/renewmap serve -addr "127.0.0.1:$faults_port" >artifacts/e2e-faults-server.log 2>&1 &
  faults_server=$!
  for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$faults_port/readyz" || true)" = 200 ] && break
    sleep 0.5
  done
  suite quality "http://127.0.0.1:$faults_port" E2E_USER=e2e-quality E2E_PASSWORD=$quality_password
fi
# Editing runs late: it changes the data (a path, an outline, a gate) the other suites read.
suite edit "$base" E2E_USER=e2e-edit1 E2E_PASSWORD=$edit1_password E2E_USER2=e2e-edit2 E2E_PASSWORD2=$edit2_password
# The import page (upload, proposal, preview, background import); it adds two roads, so it runs last,
# after the editing suite.
suite import "$base" E2E_USER=e2e-planner E2E_PASSWORD=$planner_password
if [ "$status" != 0 ]; then echo "e2e.sh: browser test failed; server log in $log, screenshots in artifacts/" >&2; fi
exit "$status"
