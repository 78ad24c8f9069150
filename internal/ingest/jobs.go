package ingest

import "encoding/json"

// MaxUploadBytes is the largest file the import page takes (the server's body limit).
const MaxUploadBytes = 8 << 20

// ImportJob is an import started from the browser, as held in import_jobs.
type ImportJob struct {
	ID      int64  `json:"id"`
	File    string `json:"file"`
	Actor   string `json:"actor"`
	State   string `json:"state"` // uploaded, running, done, failed
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Message string `json:"message"` // the report, or why it failed
}

// UploadedLayer describes a layer of an upload for the page.
type UploadedLayer struct {
	Name     string              `json:"name"`
	Geometry string              `json:"geometry"`
	Count    int                 `json:"count"`
	CRS      string              `json:"crs"`
	Fields   []string            `json:"fields"`
	Samples  map[string][]string `json:"samples,omitempty"`
}

// Upload is what an upload holds and the mapping proposed for its first layer.
type Upload struct {
	Job      ImportJob       `json:"job"`
	Format   string          `json:"format"`
	Notes    []string        `json:"notes"`
	Layers   []UploadedLayer `json:"layers"`
	Proposal string          `json:"proposal"` // YAML
	Why      []string        `json:"why"`
}

// ImportPreview is a dry run of an upload through a mapping.
type ImportPreview struct {
	CRS       string          `json:"crs"`
	Report    string          `json:"report"`
	Unmatched []string        `json:"unmatched"`
	Features  json.RawMessage `json:"features"` // a FeatureCollection of the first mapped features
	Count     int             `json:"count"`
}

// LayerProposal is the mapping proposed for one layer of an upload, with its sample values.
type LayerProposal struct {
	Layer    string              `json:"layer"`
	Samples  map[string][]string `json:"samples"`
	Proposal string              `json:"proposal"` // YAML
	Why      []string            `json:"why"`
}
