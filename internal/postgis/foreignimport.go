package postgis

import (
	"context"

	"renewmap/internal/ingest"
	"renewmap/internal/ingest/foreign"
)

// ForeignOptions tune ImportForeign.
type ForeignOptions struct {
	Choice         foreign.CRSChoice // the coordinate system, when the file does not say
	AllowUnmatched bool              // a join imports the rows that match and reports the others
	Replace        bool              // see ImportOptions.Source
	DryRun         bool
	// Progress is told of the work done: the source's features read (the first half of total),
	// then the features written (the second half); total is twice the source layer's count.
	Progress func(layer string, done, total int)
}

// ForeignResult is what ImportForeign did: how the coordinates were brought to WGS84, the mapped
// features, and the import's report.
type ForeignResult struct {
	Plan   foreign.CRSPlan
	Mapped *foreign.Result
	Report ImportReport
}

// ImportForeign maps layer of src through m (docs/import.md) and imports it like Import, tracked
// under the mapping's source name. Errors are Import's, and the mapping's (renew.ErrInvalid,
// naming the feature or row).
func (db *DB) ImportForeign(ctx context.Context, src *foreign.Source, layer string, m *foreign.Mapping, opt ForeignOptions) (*ForeignResult, error) {
	info, err := src.Layer(layer)
	if err != nil {
		return nil, err
	}
	res := &ForeignResult{}
	if res.Plan, err = foreign.Plan(ctx, src.Name, info, opt.Choice); err != nil {
		return nil, err
	}
	cat, err := db.ForeignCatalog(ctx, m.Layer, m.Join != nil)
	if err != nil {
		return nil, err
	}
	n := max(info.Count, 1)
	var read func(int)
	var write func(string, int, int)
	if opt.Progress != nil {
		read = func(k int) { opt.Progress(info.Name, min(k, n), 2*n) }
		write = func(layer string, done, total int) { opt.Progress(layer, n+done*n/max(total, 1), 2*n) }
	}
	if res.Mapped, err = foreign.Apply(ctx, src, info.Name, m, res.Plan, cat, foreign.ApplyOptions{AllowUnmatched: opt.AllowUnmatched, Read: read}); err != nil {
		return nil, err
	}
	b, err := ingest.Parse([]ingest.File{res.Mapped.File})
	if err != nil {
		return nil, err
	}
	res.Report, err = db.Import(ctx, b, ImportOptions{Source: m.Layer + ":" + m.Source, Replace: opt.Replace, DryRun: opt.DryRun, Progress: write})
	if err != nil {
		return nil, err
	}
	return res, nil
}
