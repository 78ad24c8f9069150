#!/usr/bin/env bash
# bench-download.sh — the streaming-download memory check (SPEC §9.1): generates the demo city at
# -scale N (default 50: ≈236,000 pipelines), loads it into a fresh database of its own, serves it,
# downloads /download/pipelines.geojson as a designer and reports how much the server's peak
# resident memory grew (VmHWM, /proc/PID/status, reset to the resident set just before); then the
# same layer as a GeoPackage, written by an ogr2ogr child process. The server runs ogr2ogr through
# a wrapper on its PATH that has GNU time record each child's peak resident set (getrusage
# ru_maxrss: the child's VmHWM when it exits, nothing missed between samples). Reported: the
# server's growth, the child's whole peak, an idle ogr2ogr's peak (the GDAL libraries mapped and
# relocated, no data), and two sums: "whole" (server growth + child peak) and "growth" (server
# growth + child peak − idle child). Prints Markdown for docs/performance.md; exits 1 when a growth
# reaches the 50 MB budget. `make bench` calls it.
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

ogr=$(command -v ogr2ogr) || { echo "bench-download: ogr2ogr (gdal-bin) is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-download: GNU time (/usr/bin/time) is not installed" >&2; exit 1; }
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

# The server finds ogr2ogr on its PATH: this wrapper appends each child's peak RSS (KiB) and
# wall time to $rss, one line per run, and its own pid (GNU time's, ogr2ogr's parent) to $pids.
rss="$work/ogr2ogr.rss"
pids="$work/ogr2ogr.pids"
mkdir "$work/bin"
printf '#!/bin/sh\necho $$ >>%q\nexec /usr/bin/time -a -o %q -f "%%M %%e" %q "$@"\n' "$pids" "$rss" "$ogr" >"$work/bin/ogr2ogr"
chmod +x "$work/bin/ogr2ogr"
log="$work/serve.log"
PATH="$work/bin:$PATH" DATABASE_URL=$url ./bin/renewmap serve -addr 127.0.0.1:0 -load-demo=false >"$log" 2>&1 &
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
# Resets the server's VmHWM to its resident set now (clear_refs 5, Linux ≥ 4.0), so a peak reached
# before (the walk network computing its circles) cannot hide a download's growth.
reset_peak() { echo 5 >"/proc/$server/clear_refs" || { echo "bench-download: cannot reset the server's VmHWM" >&2; exit 1; }; }
# Warm up: the first requests allocate the pools, caches and templates every server has.
curl -sf -b "$cookie" "$base/ogc/collections" >/dev/null
curl -sf -b "$cookie" "$base/download/buildings.geojson?bbox=124.33,43.15,124.34,43.16" >/dev/null
reset_peak
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

# The GeoPackage: the server streams the same features into a temporary GeoJSON file, one ogr2ogr
# child writes the GeoPackage and a second one adds its layer_styles; both children count.
# peak: the largest peak RSS (KiB) among the wrapper's lines since line $1.
peak() { awk -v from="$1" 'NR > from && $1 ~ /^[0-9]+$/ && $1 > m {m = $1} END {print m + 0}' "$rss"; }
lines() { if [ -f "$rss" ]; then wc -l <"$rss"; else echo 0; fi; }
# The same job on a small box: what a GeoPackage export costs whatever its size.
curl -sf -b "$cookie" "$base/download/pipelines.gpkg?bbox=124.33,43.15,124.34,43.16" -o "$work/small.gpkg"
small_features=$(ogrinfo -ro -so "$work/small.gpkg" pipelines | sed -n 's/^Feature Count: //p')
small=$(peak 0)
from=$(lines)
reset_peak
hwm_start=$(status VmHWM)
start=$(date +%s.%N)
curl -sf -b "$cookie" "$base/download/pipelines.gpkg" -o "$work/pipelines.gpkg" &
fetch=$!
# What the child's resident pages are, sampled from /proc/PID/smaps_rollup every 0.2 s: anonymous
# (its heap and the libraries' relocated data) and mapped files (the GDAL libraries' code and data).
anon_peak=0
files_peak=0
while kill -0 "$fetch" 2>/dev/null; do
  for t in $(cat "$pids" 2>/dev/null); do
    for c in $(pgrep -P "$t" 2>/dev/null || true); do
      read -r r a < <(awk '$1 == "Rss:" {r = $2} $1 == "Anonymous:" {a = $2} END {print r + 0, a + 0}' "/proc/$c/smaps_rollup" 2>/dev/null || echo 0 0)
      [ "$a" -gt "$anon_peak" ] && anon_peak=$a
      [ $((r - a)) -gt "$files_peak" ] && files_peak=$((r - a))
    done
  done
  sleep 0.2
done
wait "$fetch"
end=$(date +%s.%N)
child_peak=$(peak "$from")
children=$(($(lines) - from))
hwm_gpkg=$(status VmHWM)
# An idle ogr2ogr: the GDAL libraries and their drivers loaded (ogr2ogr registers every driver
# before it reads its arguments), no data.
idle=$(/usr/bin/time -f %M "$ogr" --version 2>&1 >/dev/null | tail -n 1)
# The same split for an idle ogr2ogr, caught waiting for its input on stdin (read(0, …)).
read -r idle_rss idle_anon < <(
  (sleep 5 | "$ogr" -f GPKG "$work/idle.gpkg" /vsistdin/ >/dev/null 2>&1 &
   p=$!
   for _ in $(seq 1 100); do
     case "$(cat "/proc/$p/syscall" 2>/dev/null)" in "0 0x0 "*) break ;; esac
     sleep 0.05
   done
   awk '$1 == "Rss:" {r = $2} $1 == "Anonymous:" {a = $2} END {print r + 0, a + 0}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0 0
   wait "$p" 2>/dev/null || true))
gpkg_features=$(ogrinfo -ro -so "$work/pipelines.gpkg" pipelines | sed -n 's/^Feature Count: //p')
server_growth=$((hwm_gpkg - hwm_start))
if [ "$server_growth" -lt 0 ]; then server_growth=0; fi # the peak was reset to a resident set that then shrank
whole=$((server_growth + child_peak))
total=$((server_growth + child_peak - idle))
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
echo
echo "## GeoPackage download through ogr2ogr — -scale $scale"
echo
echo "| what | value |"
echo "|---|---|"
echo "| features in /download/pipelines.gpkg | $gpkg_features |"
echo "| file size | $(( $(stat -c %s "$work/pipelines.gpkg") / 1048576 )) MiB |"
echo "| time | $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}') s |"
echo "| server VmHWM growth during the export (peak reset before it) | $(mib "$server_growth") |"
echo "| ogr2ogr child peak RSS, whole (largest of $children runs, getrusage) | $(mib "$child_peak") |"
echo "| idle ogr2ogr (\`ogr2ogr --version\`: GDAL libraries, no data) | $(mib "$idle") |"
echo "| child, sampled: anonymous (heap) / mapped files (libraries) at most | $(mib "$anon_peak") / $(mib "$files_peak") |"
echo "| idle ogr2ogr waiting on stdin: anonymous / mapped files | $(mib "$idle_anon") / $(mib $((idle_rss - idle_anon))) |"
echo "| the same export of a small box ($small_features pipelines), child peak | $(mib "$small") |"
echo "| whole: server growth + child peak | $(mib "$whole") |"
echo "| **growth: server growth + child peak − idle child** | **$(mib "$total")** (budget 50 MB) |"
if [ "${gpkg_features:-0}" -lt 100000 ]; then echo "bench-download: only ${gpkg_features:-0} GeoPackage features" >&2; exit 1; fi
if [ "$total" -ge "$budget_kb" ]; then echo "bench-download: GeoPackage export grew memory by $((total / 1024)) MiB ≥ 50 MB" >&2; exit 1; fi
