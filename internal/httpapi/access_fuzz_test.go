package httpapi

import (
	"errors"
	"testing"

	"renewmap/internal/renew"
)

// FuzzParseScenario: any body either parses into a proposal within the limits, with every
// point in lon/lat range, or fails with renew.ErrInvalid; it never panics.
func FuzzParseScenario(f *testing.F) {
	for _, s := range []string{
		`{"facilities":[{"kind":"kindergarten","lon":124.35,"lat":43.16}]}`,
		`{"passages":[{"type":"gate","community":3,"lon":124.35,"lat":43.16}],"community":3}`,
		`{"passages":[{"type":"path","from":[124.35,43.16],"to":[124.36,43.17]}]}`,
		`{"facilities":[{"kind":"x","lon":1e999,"lat":0}]}`, `{"passages":[{"type":"path","from":[1]}]}`,
		``, `null`, `[]`, `{`, `{"facilities":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, _, err := parseScenario(body)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		if n := len(p.Facilities) + len(p.Passages); n == 0 || n > maxScenarioItems {
			t.Fatalf("%d items accepted", n)
		}
		for _, f := range p.Facilities {
			if f.Kind == "" || !validLonLat(f.Point[0], f.Point[1]) {
				t.Fatalf("facility %+v accepted", f)
			}
		}
		for _, ps := range p.Passages {
			if !validLonLat(ps.At[0], ps.At[1]) || !validLonLat(ps.From[0], ps.From[1]) || !validLonLat(ps.To[0], ps.To[1]) {
				t.Fatalf("passage %+v accepted", ps)
			}
		}
	})
}
