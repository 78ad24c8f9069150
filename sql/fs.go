// Package sql embeds the numbered schema migrations, applied in order by internal/postgis.
package sql

import "embed"

// FS holds the migrations, named NNNN_title.sql.
//
//go:embed *.sql
var FS embed.FS
