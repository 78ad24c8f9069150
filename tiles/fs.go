// Package tiles embeds the layer catalogue (layers.json) and the MapLibre style (style.json) that
// the server reads; nothing about layers is hard-coded in handlers.
package tiles

import "embed"

// FS holds layers.json and style.json.
//
//go:embed *.json
var FS embed.FS
