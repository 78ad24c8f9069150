package ingest

import (
	"fmt"
	"strings"

	"renewmap/internal/renew"
)

// MaxProblems is how many problems one error lists; the rest are counted.
const MaxProblems = 20

// ValidationError lists what is wrong with an import, one problem a line, each naming the file,
// the feature and the property. It is of kind renew.ErrInvalid (errors.Is) and its message is
// safe to show a user (renew.UserMessage).
type ValidationError struct {
	Problems []string // at most MaxProblems
	Omitted  int      // problems found beyond MaxProblems
	// Formats and Args are, for each problem, the format and arguments it was made from: the
	// key and arguments of its text in the message catalogue.
	Formats []string
	Args    [][]any
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 && e.Omitted == 0 {
		return e.Problems[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the data:", len(e.Problems)+e.Omitted)
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p)
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n… and %d more", e.Omitted)
	}
	return b.String()
}

// Unwrap makes the error a renew.ErrInvalid with the same user-safe message.
func (e *ValidationError) Unwrap() error { return &renew.Error{Kind: renew.ErrInvalid, Msg: e.Error()} }

// Problems collects problems up to MaxProblems. The zero value is ready to use.
type Problems struct{ err ValidationError }

// Add records a problem.
func (p *Problems) Add(format string, args ...any) {
	if len(p.err.Problems) >= MaxProblems {
		p.err.Omitted++
		return
	}
	p.err.Problems = append(p.err.Problems, fmt.Sprintf(format, args...))
	p.err.Formats = append(p.err.Formats, format)
	p.err.Args = append(p.err.Args, args)
}

// Full reports whether no more problems will be listed, so a caller may stop looking.
func (p *Problems) Full() bool { return len(p.err.Problems) >= MaxProblems }

// Len returns the number of problems recorded.
func (p *Problems) Len() int { return len(p.err.Problems) + p.err.Omitted }

// Err returns a *ValidationError when any problem was recorded, or nil.
func (p *Problems) Err() error {
	if p.Len() == 0 {
		return nil
	}
	e := p.err
	return &e
}

// Where names a feature in messages: `buildings.geojson: feature 12 (code "TX-C001-B03")`,
// with its line when the file has more than one.
func (f *Feature) Where() renew.Text {
	switch {
	case f.Code != "" && f.Line > 0:
		return renew.T("%s: feature %d (code %q, line %d)", f.File, f.Index, f.Code, f.Line)
	case f.Code != "":
		return renew.T("%s: feature %d (code %q)", f.File, f.Index, f.Code)
	case f.Line > 0:
		return renew.T("%s: feature %d (line %d)", f.File, f.Index, f.Line)
	}
	return renew.T("%s: feature %d", f.File, f.Index)
}
