#!/usr/bin/env bash
# bench-peers.sh — renewmap side by side with pg_tileserv and pg_featureserv (CrunchyData), the
# tools a GIS team would pick instead: one database (the demo district, or `gen-demo -scale
# $BENCH_PEERS_SCALE`), the same tiles with the same properties, the same clients
# (`renewbench rate`), one run; prints the ratios as Markdown. Nothing of the peers is built here:
# each runs only when it is on PATH, and is skipped with a message otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

have_ts=$(command -v pg_tileserv || true)
have_fs=$(command -v pg_featureserv || true)
if [ -z "$have_ts$have_fs" ]; then
  echo "bench-peers: neither pg_tileserv nor pg_featureserv is on PATH; skipped"
  exit 0
fi
[ -n "$have_ts" ] || echo "bench-peers: pg_tileserv is not on PATH; its comparisons are skipped"
[ -n "$have_fs" ] || echo "bench-peers: pg_featureserv is not on PATH; its comparison is skipped"

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
fi
db=renewmap_peers
scale=${BENCH_PEERS_SCALE:-1}
url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$db\1#")
psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
go build -o bin/renewmap ./cmd/renewmap
go build -o bin/renewbench ./cmd/renewbench
data=geodata/tiexi
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
if [ "$scale" != 1 ]; then
  ./bin/renewmap gen-demo -out "$tmp/demo" -scale "$scale" >/dev/null
  data=$tmp/demo
fi
DATABASE_URL=$url ./bin/renewmap migrate >/dev/null
DATABASE_URL=$url ./bin/renewmap load "$data" >/dev/null
psql "$url" -qc "ANALYZE"
props=number,community_name,floors,units,households,floor_area,completed_year,structure,has_elevator,elevator_feasible,safety_grade
# The peers get renewmap's own buildings view, each with the one geometry column it serves (the
# view has both, and they would otherwise pick one and transform it).
psql "$url" -qc "CREATE VIEW peer_tile_buildings AS SELECT id, $props, geom_3857 FROM tile_buildings" \
  -c "CREATE VIEW peer_feature_buildings AS SELECT id, $props, geom FROM tile_buildings"
box=$(psql "$url" -Atc "SELECT concat_ws(',', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) FROM (SELECT ST_Extent(geom) e FROM buildings) x")

# serve NAME CMD…: starts a server with its log in $tmp/NAME.log and waits until it answers $2.
serve() {
  local name=$1 ready=$2
  shift 2
  "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf "$ready" >/dev/null && return 0; sleep 0.5; done
  cat "$tmp/$name.log"
  echo "bench-peers: $name did not start" >&2
  exit 1
}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# renewmap twice: with its cache, and without (every tile rendered), no prewarm, no walk network
# work competing (the circles are not drawn by the layers compared).
rp=$(port)
up=$(port)
serve renewmap "http://127.0.0.1:$rp/readyz" env DATABASE_URL="$url" ./bin/renewmap serve -addr "127.0.0.1:$rp" -load-demo=false -log-level warn
serve renewmap-nocache "http://127.0.0.1:$up/readyz" env DATABASE_URL="$url" ./bin/renewmap serve -addr "127.0.0.1:$up" -load-demo=false -tile-cache-bytes 0 -log-level warn
pw=$(DATABASE_URL=$url ./bin/renewmap user add peers -role designer | sed -n 's/^password: //p')
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"username\":\"peers\",\"password\":\"$pw\"}" "http://127.0.0.1:$rp/api/v1/login" | sed -n 's/^Set-Cookie: \(renewmap_session=[^;]*\).*/\1/ip')

clients=${BENCH_PEERS_CLIENTS:-8}
dur=${BENCH_PEERS_SECONDS:-8}s
# rate TEMPLATE ZOOM: tiles/s (and p99) of the template's URLs at ZOOM.
rate() {
  ./bin/renewbench rate -template "$1" -bbox "$box" -zoom "$2" -clients "$clients" -duration "$dur" -cookie "$cookie" |
    sed -n 's/.* \([0-9]*\) tiles\/s, p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms, errors \([0-9]*\)/\1 \2 \3 \4/p'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }'; }

echo "## Side by side — $(date -u +%Y-%m-%d), $(nproc) cores, scale $scale ($(psql "$url" -Atc 'SELECT count(*) FROM buildings') buildings), $clients clients, ${dur} per cell"
echo
if [ -n "$have_ts" ]; then
  tp=$(port)
  serve pg_tileserv "http://127.0.0.1:$tp/health" env DATABASE_URL="$url" TS_HTTPHOST=127.0.0.1 TS_HTTPPORT="$tp" pg_tileserv -n -e /health
  echo "Buildings layer (\`tile_buildings\`, its 11 properties in both); pg_tileserv has no tile cache."
  echo
  echo "| zoom | renewmap uncached /s (p99) | renewmap cached /s (p99) | pg_tileserv /s (p99) | uncached ratio | cached ratio |"
  echo "|---|---|---|---|---|---|"
  for z in 14 15 16; do # the buildings layer starts at z14
    read -r u _ u99 ue < <(rate "http://127.0.0.1:$up/tiles/buildings/{z}/{x}/{y}.mvt" "$z")
    rate "http://127.0.0.1:$rp/tiles/buildings/{z}/{x}/{y}.mvt" "$z" >/dev/null # fills the cache
    read -r c _ c99 ce < <(rate "http://127.0.0.1:$rp/tiles/buildings/{z}/{x}/{y}.mvt" "$z")
    read -r p _ p99 pe < <(rate "http://127.0.0.1:$tp/public.peer_tile_buildings/{z}/{x}/{y}.pbf?properties=$props" "$z")
    echo "| $z | $u ($u99 ms) | $c ($c99 ms) | $p ($p99 ms) | $(ratio "$u" "$p") | $(ratio "$c" "$p") |"
    [ "$ue$ce$pe" = 000 ] || echo "errors: renewmap $ue/$ce, pg_tileserv $pe" >&2
  done
  echo
fi
if [ -n "$have_fs" ]; then
  fp=$(port)
  serve pg_featureserv "http://127.0.0.1:$fp/collections.json" env DATABASE_URL="$url" PGFS_SERVER_HTTPHOST=127.0.0.1 PGFS_SERVER_HTTPPORT="$fp" pg_featureserv
  echo "OGC API items, buildings, bbox of a z15 tile, limit 100, GeoJSON, the same 11 properties."
  echo
  echo "| renewmap /s (p99) | pg_featureserv /s (p99) | ratio |"
  echo "|---|---|---|"
  read -r o _ o99 oe < <(rate "http://127.0.0.1:$rp/ogc/collections/buildings/items?bbox={bbox}&limit=100" 15)
  read -r f _ f99 fe < <(rate "http://127.0.0.1:$fp/collections/public.peer_feature_buildings/items.json?bbox={bbox}&limit=100&properties=$props" 15)
  echo "| $o ($o99 ms) | $f ($f99 ms) | $(ratio "$o" "$f") |"
  [ "$oe$fe" = 00 ] || echo "errors: renewmap $oe, pg_featureserv $fe" >&2
fi
