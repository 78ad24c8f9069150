#!/usr/bin/env bash
# vendor-web.sh — copies MapLibre GL JS (the version pinned in web/package.json) from
# web/node_modules into web/static/vendor/, where the Go binary embeds it. Run after
# `cd web && npm ci` whenever the pinned version changes; the copied files are committed so that
# `go build` needs neither npm nor the Internet.
set -euo pipefail
cd "$(dirname "$0")/../web"

src=node_modules/maplibre-gl
[ -d "$src/dist" ] || { echo "vendor-web.sh: $src is missing; run 'npm ci' in web/ first" >&2; exit 1; }
dst=static/vendor
mkdir -p "$dst"
cp "$src/dist/maplibre-gl.js" "$src/dist/maplibre-gl.css" "$dst/"
cp "$src/LICENSE.txt" "$dst/maplibre-gl.LICENSE.txt"
version=$(node -p "require('./$src/package.json').version")
printf 'maplibre-gl %s (npm), copied by scripts/vendor-web.sh\n' "$version" > "$dst/VERSION"
# index.html names the version in the vendored URLs, so browsers drop their cached copy on upgrade.
sed -i -E "s#(/static/vendor/maplibre-gl\.(js|css))(\?v=[^\"]*)?\"#\1?v=$version\"#g" static/index.html
echo "vendor-web.sh: maplibre-gl $version → web/$dst"
