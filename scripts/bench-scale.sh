#!/usr/bin/env bash
# bench-scale.sh — the scale check of SPEC §9.1 (`make bench-scale`; `make bench` runs it when
# BENCH_SCALE=1, since it takes minutes): the demo district and `gen-demo -scale 50` (SCALE
# overrides 50), each loaded with `renewmap load` into a fresh database of its own and timed, then
# served and measured the same way, one after the other:
#   - tiles: renewbench on the same window in both, the core of the district's fabric (every tile
#     there holds data; the first copy of the scaled city lies where the district does, with 49
#     more around it), at z14–z16, uncached then cached: the same tiles over 50× the data;
#   - coverage (GET /api/v1/coverage) and one what-if (POST /api/v1/scenarios), median of 5, once
#     the walk network and its stored results are built;
#   - the server's peak and current memory (VmHWM, VmRSS of the serve process).
# Prints Markdown for docs/performance.md and docs/scaling.md; the target is scale ≤ 2× district.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${SCALE:-50}
runs=5
bash scripts/install.sh >&2
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
fi
query=""
case "$DATABASE_URL" in *\?*) query="?${DATABASE_URL#*\?}" ;; esac
prefix=${DATABASE_URL%%\?*}
prefix=${prefix%/*}
dburl() { printf '%s/%s%s' "$prefix" "$1" "$query"; }
admin=$(dburl postgres)
sql() { PGOPTIONS="-c client_min_messages=warning" psql -X -qAt -v ON_ERROR_STOP=1 "$@"; }

go build -o bin/renewmap ./cmd/renewmap
go build -o bin/renewbench ./cmd/renewbench
tilebench=(./bin/renewbench tiles)

work=$(mktemp -d /var/tmp/renewmap-scale.XXXXXX)
server=""
dbs=()
stop_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  server=""
}
cleanup() {
  stop_server
  for d in "${dbs[@]}"; do sql "$admin" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

# load NAME DIR: a fresh database NAME holding the layer files of DIR; sets load_s.
load() {
  local db=$1 dir=$2 url t
  dbs+=("$db")
  sql "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  url=$(dburl "$db")
  DATABASE_URL=$url ./bin/renewmap migrate >/dev/null
  t=$(now)
  DATABASE_URL=$url ./bin/renewmap load "$dir"/*.geojson >"$work/load-$db.log" 2>&1 || { cat "$work/load-$db.log" >&2; exit 1; }
  load_s=$(since "$t")
}

# serve URL [ARGS…]: starts renewmap on the database and logs in a designer; sets base, cookie,
# csrf.
serve() {
  local url=$1 log="$work/serve.log" pw body
  shift
  DATABASE_URL=$url ./bin/renewmap serve -addr 127.0.0.1:0 -load-demo=false "$@" >"$log" 2>&1 &
  server=$!
  base=""
  for _ in $(seq 1 240); do
    base=${base:-$(grep -o 'url=http://[0-9.:]*' "$log" | head -n 1 | cut -d= -f2 || true)}
    [ -n "$base" ] && curl -sf "$base/readyz" >/dev/null && break
    sleep 0.5
  done
  [ -n "$base" ] && curl -sf "$base/readyz" >/dev/null || { cat "$log" >&2; echo "bench-scale: server not ready" >&2; exit 1; }
  local user="scale$RANDOM"
  pw=$(DATABASE_URL=$url ./bin/renewmap user add "$user" -role designer 2>/dev/null | sed -n 's/^password: //p')
  body=$(curl -s -D "$work/login.h" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$pw\"}" "$base/api/v1/login")
  cookie=$(sed -n 's/^Set-Cookie: \(renewmap_session=[^;]*\).*/\1/ip' "$work/login.h")
  csrf=$(printf '%s' "$body" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  [ -n "$cookie" ] || { echo "bench-scale: login failed: $body" >&2; exit 1; }
}

# alive: the server is still running; otherwise says so with the end of its log.
alive() {
  kill -0 "$server" 2>/dev/null && return 0
  echo "bench-scale: the server stopped:" >&2
  tail -n 40 "$work/serve.log" >&2
  exit 1
}

# wait_engine: until the walk network is built and its stored results (circles, blind spots) are
# written, so that they do not compete with the measurements; sets engine_ms and ready_s.
wait_engine() {
  local t st
  t=$(now)
  for _ in $(seq 1 1800); do
    st=$(curl -s -b "$cookie" "$base/api/v1/access/status" || true)
    case "$st" in
      *'"state":"ready"'*'"building":false'*)
        if ! printf '%s' "$st" | grep -Eq '"(circles|blind_spots)":\{"state":"(waiting|running)"'; then
          engine_ms=$(printf '%s' "$st" | sed -n 's/.*"build_ms":\([0-9]*\).*/\1/p')
          ready_s=$(since "$t")
          return 0
        fi ;;
      *'"state":"failed"'*) echo "bench-scale: walk network failed: $st" >&2; engine_ms=""; return 0 ;;
      *'404'*|*'not configured'*) engine_ms=""; return 0 ;;
      "") alive || return 1 ;;
    esac
    sleep 1
  done
  echo "bench-scale: walk network still building after 30 min" >&2
  engine_ms=""
}

# median_ms CMD…: runs CMD $runs times, prints the median wall time in ms (or "–" if it fails).
median_ms() {
  local ts=() t
  for _ in $(seq 1 "$runs"); do
    t=$(now)
    "$@" >/dev/null 2>&1 || { echo "–"; return 0; }
    ts+=("$(awk -v a="$t" -v b="$(now)" 'BEGIN {printf "%.1f", (b - a) * 1000}')")
  done
  printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f ms", a[int((NR+1)/2)]}'
}

# measure LABEL URL BBOX: serves the database and writes the figures to $work/LABEL.*.
measure() {
  local label=$1 url=$2 bbox=$3 lon lat kind
  serve "$url"
  wait_engine
  "${tilebench[@]}" -base "$base" -bbox "$bbox" -cookie "$cookie" -layer all -minzoom 14 -maxzoom 16 \
    -clients 1,16 -duration 5s >"$work/$label.tiles" || alive
  read -r lon lat < <(sql "$url" -F ' ' -c "
    SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM communities
    ORDER BY geom <-> ST_Centroid(ST_MakeEnvelope($bbox, 4326)) LIMIT 1) c")
  kind=$(sql "$url" -c "SELECT code FROM facility_kinds ORDER BY sort LIMIT 1")
  coverage=$(median_ms curl -sf -b "$cookie" "$base/api/v1/coverage")
  whatif=$(median_ms curl -sf -b "$cookie" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d "{\"facilities\":[{\"kind\":\"$kind\",\"lon\":$lon,\"lat\":$lat}]}" "$base/api/v1/scenarios")
  hwm=$(awk '$1 == "VmHWM:" {printf "%.0f", $2 / 1024}' "/proc/$server/status")
  rss=$(awk '$1 == "VmRSS:" {printf "%.0f", $2 / 1024}' "/proc/$server/status")
  stop_server
  # Uncached renders in numbers: the same tiles again and again with the tile cache off, one client
  # for 10 s (the first-request phase above has only 152 tiles, so its p99 is nearly its maximum).
  serve "$url" -tile-cache-bytes 0
  wait_engine
  "${tilebench[@]}" -base "$base" -bbox "$bbox" -cookie "$cookie" -layer all -minzoom 14 -maxzoom 16 \
    -clients 1 -duration 10s >"$work/$label.renders" || alive
  stop_server
  printf '%s\n' "$load_s" "${engine_ms:-–}" "$coverage" "$whatif" "$hwm" "$rss" >"$work/$label.figs"
  sql "$url" -F ' ' -c "SELECT (SELECT count(*) FROM communities), (SELECT count(*) FROM buildings),
    (SELECT count(*) FROM roads), (SELECT count(*) FROM pipelines), pg_database_size(current_database()) / 1048576" \
    >"$work/$label.rows"
}

# The core of the district's fabric (its data spans 124.333–124.372°E, 43.153–43.175°N).
bbox=124.337,43.156,124.368,43.172
echo "bench-scale: the district" >&2
load renewmap_scale_1 geodata/tiexi
measure district "$(dburl renewmap_scale_1)" "$bbox"
sql "$admin" -c "DROP DATABASE IF EXISTS renewmap_scale_1 WITH (FORCE)" >/dev/null

echo "bench-scale: generating and loading the city at -scale $scale (minutes)" >&2
t=$(now)
./bin/renewmap gen-demo -scale "$scale" -out "$work/data" >/dev/null
gen_s=$(since "$t")
load "renewmap_scale_$scale" "$work/data"
url=$(dburl "renewmap_scale_$scale")
echo "bench-scale: measuring the city" >&2
measure scaled "$url" "$bbox"

mapfile -t d < "$work/district.figs"
mapfile -t s < "$work/scaled.figs"
read -r dc db dr dp dsz < "$work/district.rows"
read -r sc sb sr sp ssz < "$work/scaled.rows"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f×", b / a; else print "–" }'; }
msval() { printf '%s' "$1" | sed 's/ ms//'; }

echo "## Scale — $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), district vs \`gen-demo -scale $scale\`"
echo
echo "| | district | × $scale | ratio |"
echo "|---|---:|---:|---:|"
echo "| communities | $dc | $sc | $(ratio "$dc" "$sc") |"
echo "| buildings | $db | $sb | $(ratio "$db" "$sb") |"
echo "| roads | $dr | $sr | $(ratio "$dr" "$sr") |"
echo "| pipelines | $dp | $sp | $(ratio "$dp" "$sp") |"
echo "| database size | ${dsz} MiB | ${ssz} MiB | $(ratio "$dsz" "$ssz") |"
echo "| gen-demo | – | ${gen_s} s | |"
echo "| renewmap load | ${d[0]} s | ${s[0]} s | $(ratio "${d[0]}" "${s[0]}") |"
echo "| walk network build (server) | ${d[1]} ms | ${s[1]} ms | $(ratio "${d[1]}" "${s[1]}") |"
echo "| GET /api/v1/coverage (median of $runs) | ${d[2]} | ${s[2]} | $(ratio "$(msval "${d[2]}")" "$(msval "${s[2]}")") |"
echo "| POST /api/v1/scenarios, one facility (median of $runs) | ${d[3]} | ${s[3]} | $(ratio "$(msval "${d[3]}")" "$(msval "${s[3]}")") |"
rp() { sed -n "s/.*p$2 \([0-9.]*\) ms.*/\1/p" "$work/$1.renders" | tail -n 1; }
echo "| tile renders, cache off, 1 client 10 s, z14–z16: p50 | $(rp district 50) ms | $(rp scaled 50) ms | $(ratio "$(rp district 50)" "$(rp scaled 50)") |"
echo "| tile renders, cache off: p99 | $(rp district 99) ms | $(rp scaled 99) ms | $(ratio "$(rp district 99)" "$(rp scaled 99)") |"
echo "| server peak memory (VmHWM) | ${d[4]} MiB | ${s[4]} MiB | $(ratio "${d[4]}" "${s[4]}") |"
echo "| server memory after the run (VmRSS) | ${d[5]} MiB | ${s[5]} MiB | $(ratio "${d[5]}" "${s[5]}") |"
echo
echo "Composite tiles (\`/tiles/all\`), z14–z16, uncached p50 / p99:"
echo
echo "| zoom | district p50 | × $scale p50 | ratio | district p99 | × $scale p99 | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for z in 14 15 16; do
  IFS='|' read -r _ _ _ _ dp50 dp99 _ < <(grep "^| $z |" "$work/district.tiles")
  IFS='|' read -r _ _ _ _ sp50 sp99 _ < <(grep "^| $z |" "$work/scaled.tiles")
  echo "| $z | $dp50 | $sp50 | $(ratio "$(msval "$dp50")" "$(msval "$sp50")") | $dp99 | $sp99 | $(ratio "$(msval "$dp99")" "$(msval "$sp99")") |"
done
echo
echo "Cached tiles:"
echo
grep '^cached' "$work/district.tiles" | sed 's/^/- district: /'
grep '^cached' "$work/scaled.tiles" | sed "s/^/- × $scale: /"
echo
echo "District tiles in full:"
echo
grep '^|' "$work/district.tiles"
echo
echo "× $scale tiles in full (window $bbox):"
echo
grep '^|' "$work/scaled.tiles"
