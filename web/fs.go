// Package web embeds the browser app: the planner map (static/index.html and its ES modules) and
// the vendored MapLibre GL JS, served by internal/httpapi under /static/.
package web

import "embed"

// FS holds static/: the pages (*.html, templates rendered once at start-up), their styles
// (base.css first), js/*.js, messages.json, favicon.svg and vendor/ (MapLibre GL JS and the other
// libraries copied from npm by scripts/vendor-web.sh); and templates/partials.html, the parts the
// pages share (their head, the residents' survey forms).
//
//go:embed static templates
var FS embed.FS
