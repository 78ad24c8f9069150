#!/usr/bin/env bash
# bench-download.sh — the streaming-download memory check (SPEC §9.1): generates the demo city at
# -scale N (default 50: ≈236,000 pipelines), loads it into a fresh database of its own, serves it,
# downloads /download/pipelines.geojson as a designer and reports how much the server's peak
# resident memory (VmHWM, /proc/PID/status) grew; then the same layer as a GeoPackage, written by
# an ogr2ogr child process, reporting the server's growth plus the child's peak (sampled from
# /proc while it runs, less what an idle ogr2ogr occupies). Prints Markdown for
# docs/performance.md; exits 1 when a growth reaches the 50 MB budget. `make bench` calls it.
#   SCALE=50 bash scripts/bench-download.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${SCALE:-50}
budget_kb=$((50 * 1024))
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
fi
db=renewmap_dlbench
query=""
case "$DATABASE_URL" in *\?*) query="?${DATABASE_URL#*\?}" ;; esac
prefix=${DATABASE_URL%%\?*}
prefix=${prefix%/*}
url="$prefix/$db$query"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$prefix/postgres$query" \
  -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null

go build -o bin/renewmap ./cmd/renewmap
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
  PGOPTIONS="-c client_min_messages=warning" psql -X -q "$prefix/postgres$query" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "bench-download: generating the demo city at -scale $scale and loading it (a few minutes)" >&2
./bin/renewmap gen-demo -scale "$scale" -out "$work/data" >/dev/null
DATABASE_URL=$url ./bin/renewmap migrate >/dev/null
DATABASE_URL=$url ./bin/renewmap load "$work"/data/*.geojson >/dev/null
pipes=$(psql -X -qAt "$url" -c "SELECT count(*) FROM pipelines")

log="$work/serve.log"
DATABASE_URL=$url ./bin/renewmap serve -addr 127.0.0.1:0 -load-demo=false >"$log" 2>&1 &
server=$!
base=""
for _ in $(seq 1 240); do
  base=${base:-$(grep -o 'url=http://[0-9.:]*' "$log" | head -n 1 | cut -d= -f2 || true)}
  [ -n "$base" ] && curl -sf "$base/readyz" >/dev/null && break
  sleep 0.5
done
[ -n "$base" ] && curl -sf "$base/readyz" >/dev/null || { cat "$log"; echo "bench-download: server not ready" >&2; exit 1; }

pw=$(DATABASE_URL=$url ./bin/renewmap user add dlbench -role designer 2>/dev/null | sed -n 's/^password: //p')
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"username\":\"dlbench\",\"password\":\"$pw\"}" "$base/api/v1/login" | sed -n 's/^Set-Cookie: \(renewmap_session=[^;]*\).*/\1/ip')
[ -n "$cookie" ] || { echo "bench-download: login failed" >&2; exit 1; }

# The walk network computes circles in the background after a start: let it finish first, so the
# figure is the download's alone.
bash scripts/wait-results.sh "$base" "$cookie"
status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server/status"; }
# Warm up: the first requests allocate the pools, caches and templates every server has.
curl -sf -b "$cookie" "$base/ogc/collections" >/dev/null
curl -sf -b "$cookie" "$base/download/buildings.geojson?bbox=124.33,43.15,124.34,43.16" >/dev/null
hwm_before=$(status VmHWM)
rss_before=$(status VmRSS)

start=$(date +%s.%N)
curl -sf -b "$cookie" "$base/download/pipelines.geojson" -o "$work/pipelines.geojson"
end=$(date +%s.%N)
hwm_after=$(status VmHWM)
rss_after=$(status VmRSS)
bytes=$(stat -c %s "$work/pipelines.geojson")
features=$(grep -o '"type":"Feature"' "$work/pipelines.geojson" | wc -l)
growth=$((hwm_after - hwm_before))

echo "## Streaming download — $(date -u +%Y-%m-%d), $(nproc) cores, -scale $scale"
echo
echo "| what | value |"
echo "|---|---|"
echo "| pipelines in the database | $pipes |"
echo "| features downloaded (/download/pipelines.geojson) | $features |"
echo "| file size | $((bytes / 1048576)) MiB |"
echo "| time | $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s |"
echo "| server VmHWM before → after | $((hwm_before / 1024)) MiB → $((hwm_after / 1024)) MiB |"
echo "| server VmRSS before → after | $((rss_before / 1024)) MiB → $((rss_after / 1024)) MiB |"
echo "| **peak memory growth** | **$((growth / 1024)) MiB** (budget 50 MB) |"
if [ "$features" -lt 100000 ]; then echo "bench-download: only $features features; need ≥ 100,000" >&2; exit 1; fi
if [ "$growth" -ge "$budget_kb" ]; then echo "bench-download: memory grew by $((growth / 1024)) MiB ≥ 50 MB" >&2; exit 1; fi

# The GeoPackage: the server streams the same features into a temporary GeoJSON file and an
# ogr2ogr child writes the GeoPackage; both count. The child's peak is sampled while it runs.
child_peak=0
curl -sf -b "$cookie" "$base/download/pipelines.gpkg" -o "$work/pipelines.gpkg" &
fetch=$!
start=$(date +%s.%N)
while kill -0 "$fetch" 2>/dev/null; do
  for pid in $(pgrep -P "$server" ogr2ogr || true); do
    h=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${h:-0}" -gt "$child_peak" ] && child_peak=$h
  done
  sleep 0.1
done
wait "$fetch"
end=$(date +%s.%N)
# What ogr2ogr occupies doing nothing (the GDAL libraries): not growth caused by the data.
idle=$( (ogr2ogr --formats >/dev/null & p=$!; h=0; while kill -0 $p 2>/dev/null; do
  v=$(awk '$1 == "VmHWM:" {print $2}' /proc/$p/status 2>/dev/null || echo 0); [ "${v:-0}" -gt "$h" ] && h=$v; sleep 0.01; done; echo "$h") )
hwm_gpkg=$(status VmHWM)
gpkg_features=$(ogrinfo -ro -so "$work/pipelines.gpkg" pipelines | sed -n 's/^Feature Count: //p')
server_growth=$((hwm_gpkg - hwm_before))
child_growth=$((child_peak - idle))
total=$((server_growth + child_growth))
echo
echo "## GeoPackage download through ogr2ogr — -scale $scale"
echo
echo "| what | value |"
echo "|---|---|"
echo "| features in /download/pipelines.gpkg | $gpkg_features |"
echo "| file size | $(( $(stat -c %s "$work/pipelines.gpkg") / 1048576 )) MiB |"
echo "| time | $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s |"
echo "| server VmHWM growth (since before the GeoJSON download) | $((server_growth / 1024)) MiB |"
echo "| ogr2ogr child peak VmHWM (sampled every 0.1 s) | $((child_peak / 1024)) MiB |"
echo "| an idle ogr2ogr (GDAL libraries) | $((idle / 1024)) MiB |"
echo "| **server + child growth** | **$((total / 1024)) MiB** (budget 50 MB) |"
if [ "${gpkg_features:-0}" -lt 100000 ]; then echo "bench-download: only ${gpkg_features:-0} GeoPackage features" >&2; exit 1; fi
if [ "$total" -ge "$budget_kb" ]; then echo "bench-download: GeoPackage export grew memory by $((total / 1024)) MiB ≥ 50 MB" >&2; exit 1; fi
