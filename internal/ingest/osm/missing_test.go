package osm_test

import (
	"strings"
	"testing"

	"renewmap/internal/ingest/osm"
	"renewmap/internal/renew"
)

// An extract cut at its edge: building w103 uses node 99 and road w104 passes node 98, neither in
// the file. The notes name them.
func TestNotesNameMissingNodes(t *testing.T) {
	t.Parallel()
	cut := strings.Replace(tinyOSM, "</osm>", `
 <way id="103"><nd ref="8"/><nd ref="99"/><nd ref="10"/><nd ref="8"/><tag k="building" v="yes"/></way>
 <way id="104"><nd ref="2"/><nd ref="98"/><nd ref="3"/><nd ref="7"/><tag k="highway" v="residential"/></way>
</osm>`, 1)
	_, rep, err := osm.Load(strings.NewReader(cut), osm.Options{File: "cut.osm", CodePrefix: "T-"})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"1 buildings skipped: nodes they use are missing from the file (cut off at the extract's edge?): w103",
		"1 roads cut at nodes missing from the file (the pieces between are kept): w104"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// A file that is not XML is called what it is, not "empty"; an empty file is empty.
func TestReadNotXML(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"type": "FeatureCollection", "features": []}`: "x.osm: not OSM XML: no <osm> element",
		"just some text\n": "x.osm: not OSM XML: no <osm> element",
		"  \n\t":           "x.osm: empty",
	} {
		_, err := osm.Read(strings.NewReader(in), "x.osm")
		if err == nil || !strings.HasPrefix(renew.UserMessage(err), want) {
			t.Errorf("%q: %v, want %q…", in, err, want)
		}
	}
}
