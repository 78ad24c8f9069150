// Package geodata embeds the district outline and the Tiexi demonstration dataset, so the binary
// can load the demo data on a fresh database without any files beside it.
package geodata

import "embed"

// FS holds boundaries/ (the real district outline) and tiexi/ (the generated demo dataset).
//
//go:embed boundaries tiexi
var FS embed.FS
