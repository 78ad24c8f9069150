// Package web embeds the browser app: the planner map (static/index.html and its ES modules) and
// the vendored MapLibre GL JS, served by internal/httpapi under /static/.
package web

import "embed"

// FS holds static/: index.html, app.css, js/*.js, fields.json, favicon.svg and vendor/ (MapLibre
// GL JS copied from npm by scripts/vendor-web.sh).
//
//go:embed static
var FS embed.FS
