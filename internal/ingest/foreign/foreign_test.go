package foreign

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

func TestNormalizeName(t *testing.T) {
	for _, c := range [][2]string{
		{"琥珀苑小区", "琥珀苑"},
		{" 琥珀苑 ", "琥珀苑"},
		{"琥珀 苑", "琥珀苑"},
		{"ＡＢＣ花园", "abc花园"},
		{"３#", "3"},
		{"3号楼", "3"},
		{"3栋", "3"},
		{"3幢", "3"},
		{"12号", "12"},
		{"铁西·新村", "铁西新村"},
		{"小区", "小区"}, // a name that is only 小区 keeps it
	} {
		if got := NormalizeName(c[0]); got != c[1] {
			t.Errorf("NormalizeName(%q) = %q, want %q", c[0], got, c[1])
		}
	}
	if NormalizeName("3号楼") != NormalizeName("3#") || NormalizeName("3#") != NormalizeName("３栋") {
		t.Error("3号楼, 3# and ３栋 must be the same building")
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"琥珀苑小区", "３#", "3号楼", "小区小区", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		for _, r := range n {
			if r == ' ' || r == '\t' || r == '\n' || (r >= 0xff01 && r <= 0xff5e) {
				t.Errorf("NormalizeName(%q) = %q keeps a space or a full-width character", s, n)
			}
		}
		if NormalizeName(s+" ") != n || NormalizeName(" "+s) != n {
			t.Errorf("spaces around %q change its key", s)
		}
	})
}

func TestParseMapping(t *testing.T) {
	good := `
layer: buildings
code: "SX-{编号}"
fields:
  number: 楼号
  community: {from: 小区, match: name}
values:
  structure: {砖混结构: brick_concrete}
defaults: {units: 1}
`
	m, err := ParseMapping([]byte(good), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.Fields["community"].Match != "name" || m.Fields["number"].From != "楼号" || m.Provisional {
		t.Errorf("fields: %+v", m.Fields)
	}
	// The same as JSON.
	if _, err := ParseMapping([]byte(`{"layer":"roads","code":"R-{id}","fields":{"class":"kind"}}`), "m.json"); err != nil {
		t.Error(err)
	}
	for _, c := range []struct{ doc, want string }{
		{"layer: towers\ncode: x{a}", `"towers" is not a layer`},
		{"layer: buildings\nfields: {number: a}", "code: missing"},
		{"layer: buildings\ncode: SAME", "names no field"},
		{"layer: buildings\ncode: \"{a\"", "unbalanced"},
		{"layer: buildings\ncode: \"{a}\"\nfields: {height: h}", `"height" is not a property of buildings`},
		{"layer: buildings\ncode: \"{a}\"\nfields: {floors: {from: f, match: name}}", "match applies to references"},
		{"layer: buildings\ncode: \"{a}\"\ncolour: red", "unknown field"},
		{"layer: buildings\njoin: {by: name, field: x}", "cannot match buildings"},
		{"layer: plans\ncode: \"{a}\"", "plans are not imported"},
		{"layer: roads\ncode: \"{a}\"\nprovisional: true", "only an import of buildings"},
		{"layer: buildings\njoin: {by: code, field: x}\nprovisional: true", "only an import of buildings"},
		{"[1, 2", "not valid YAML"},
	} {
		_, err := ParseMapping([]byte(c.doc), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("%q: got %v, want an invalid-input error containing %q", c.doc, err, c.want)
		}
	}
}

func FuzzParseMapping(f *testing.F) {
	f.Add([]byte("layer: buildings\ncode: \"SX-{编号}\"\nfields: {number: 楼号}\n"))
	f.Add([]byte(`{"layer":"communities","join":{"by":"name","field":"小区名称"}}`))
	f.Add([]byte("layer: roads\ncode: \"{a}\"\nvalues: {class: {x: 1}}\n"))
	f.Add([]byte("layer: buildings\ncode: \"FW-{编号}\"\nprovisional: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data, "m.yaml")
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Errorf("error of the wrong kind: %v", err)
			}
			return
		}
		// A mapping that parses renders as YAML that parses to the same.
		y, err := m.YAML()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseMapping(y, "again.yaml"); err != nil {
			t.Errorf("the rendered mapping does not parse: %v\n%s", err, y)
		}
	})
}

func TestSniffRefuses(t *testing.T) {
	for _, c := range []struct{ head, want string }{
		{"AC1027\x00\x00", "save it as DXF"},
		{"<OGRVRTDataSource>", "VRT"},
		{"SQLite format 3\x00" + strings.Repeat("\x00", 80), "not a GeoPackage"},
		{"\x00\x01\x02\x03", "not a format renewmap imports"},
	} {
		if _, err := sniffBytes([]byte(c.head), "f"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.head, err, c.want)
		}
	}
	for head, want := range map[string]Format{
		`{"type":"FeatureCollection","features":[]}`:                        GeoJSON,
		"{\"type\":\"Feature\",\"geometry\":null}\n{\"type\":\"Feature\"}":  GeoJSONSeq,
		"  0\nSECTION\n  2\nHEADER":                                         DXF,
		"name,x,y\na,1,2":                                                   CSV,
		`<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2">`: KML,
	} {
		if got, err := sniffBytes([]byte(head), "f"); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", head, got, err, want)
		}
	}
}

// An archive expanding beyond the limit is refused; one that lies about its sizes is stopped
// while expanding (Go's zip reader checks the sizes it declared).
func TestZipExpansionIsBounded(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("big.geojson")
	w.Write(bytes.Repeat([]byte(" "), 4<<20))
	zw.Close()
	dir := t.TempDir()
	honest := filepath.Join(dir, "big.zip")
	os.WriteFile(honest, buf.Bytes(), 0o600)
	lim := Options{Limits: Limits{Expanded: 1 << 20, Entries: 10}}
	if _, err := Open(context.Background(), honest, "big.zip", lim); err == nil || !strings.Contains(err.Error(), "zip bomb") {
		t.Errorf("got %v, want a refusal as a zip bomb", err)
	}
	data := buf.Bytes()
	for _, at := range []struct {
		sig []byte
		off int
	}{{[]byte{'P', 'K', 3, 4}, 22}, {[]byte{'P', 'K', 1, 2}, 24}} {
		i := bytes.Index(data, at.sig)
		copy(data[i+at.off:], []byte{10, 0, 0, 0}) // declare 10 bytes
	}
	liar := filepath.Join(dir, "liar.zip")
	os.WriteFile(liar, data, 0o600)
	if _, err := Open(context.Background(), liar, "liar.zip", lim); err == nil || !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("got %v, want the lying archive refused", err)
	}
}

func TestNumber(t *testing.T) {
	for s, want := range map[string]float64{"6": 6, "6层": 6, "1985年": 1985, "1,234.5": 1234.5, "120㎡": 120} {
		if got, ok := number(s); !ok || got != want {
			t.Errorf("number(%q) = %v %v, want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"约6层", "六层", "6-7", "1980年代初"} {
		if _, ok := number(s); ok {
			t.Errorf("number(%q) read a number", s)
		}
	}
}

// BD-09 of a point is GCJ-02 twisted; the round trip lands where it started.
func TestGCJRoundTrip(t *testing.T) {
	lon, lat := 124.35, 43.16
	g1, g2 := wgs84ToGCJ(lon, lat)
	if g1-lon < 0.001 {
		t.Fatalf("no GCJ-02 offset applied: %v %v", g1, g2)
	}
	w1, w2 := gcjToWGS84(g1, g2)
	if d := (w1-lon)*(w1-lon) + (w2-lat)*(w2-lat); d > 1e-16 {
		t.Errorf("round trip off by %g°", d)
	}
}

func FuzzParseControlPoints(f *testing.F) {
	f.Add([]byte("name,x,y,e,n\nK1,1,2,605000,4779000\nK2,3,4,612000,4779500\n"))
	f.Add([]byte("x,y,target_x,target_y\n1,2,3,4\n"))
	f.Add([]byte("\xef\xbb\xbfname,x,y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pts, err := ParseControlPoints(data, "points.csv")
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Errorf("error of the wrong kind: %v", err)
			}
			return
		}
		if _, res, err := FitHelmert2D(pts); err == nil {
			for _, r := range res {
				if r < 0 {
					t.Errorf("negative residual %v", r)
				}
			}
		}
	})
}

// Whatever the first bytes of a file, sniffing recognises a format of the allow-list or refuses it
// as invalid input, naming the file.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"AC1027", "<OGRVRTDataSource>", "SQLite format 3\x00", "PK\x03\x04", "{\"type\":1}", "  0\nSECTION", "a,b\n1,2", "\x1e{}", "<kml>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		format, err := sniffBytes(head, "upload.bin")
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) || !strings.Contains(err.Error(), "upload.bin") {
				t.Errorf("refusal %v is not invalid input naming the file", err)
			}
			return
		}
		switch format {
		case Shapefile, GeoPackage, GeoJSON, GeoJSONSeq, KML, DXF, CSV, zipArchive:
		default:
			t.Errorf("format %q is not on the allow-list", format)
		}
	})
}
