package export

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestFeatureWriter(t *testing.T) {
	var b bytes.Buffer
	fw, err := NewFeatureWriter(&b, Header{Name: "buildings", CRSName: "urn:ogc:def:crs:EPSG::4550",
		Members: []Member{{"numberMatched", 2}}})
	if err != nil {
		t.Fatal(err)
	}
	geom := []byte(`{"type":"Point","coordinates":[609785.963,4781935.343]}`)
	if err := fw.Write(7, geom, []byte(`{"name":"机械厂家属楼"}`)); err != nil {
		t.Fatal(err)
	}
	geom[0] = 'X' // the writer must have copied it out already
	if err := fw.Write(8, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(Member{"numberReturned", fw.Count()}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Type string `json:"type"`
		Name string `json:"name"`
		CRS  struct {
			Properties struct{ Name string } `json:"properties"`
		} `json:"crs"`
		NumberMatched, NumberReturned int
		Features                      []struct {
			ID         int64           `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	if doc.Type != "FeatureCollection" || doc.Name != "buildings" || doc.CRS.Properties.Name != "urn:ogc:def:crs:EPSG::4550" ||
		doc.NumberMatched != 2 || doc.NumberReturned != 2 || len(doc.Features) != 2 {
		t.Fatalf("document %+v", doc)
	}
	if doc.Features[0].ID != 7 || doc.Features[0].Properties["name"] != "机械厂家属楼" ||
		!strings.HasPrefix(string(doc.Features[0].Geometry), `{"type":"Point"`) {
		t.Errorf("feature 0 = %+v", doc.Features[0])
	}
	if string(doc.Features[1].Geometry) != "null" || len(doc.Features[1].Properties) != 0 {
		t.Errorf("feature 1 = %+v", doc.Features[1])
	}
	if err := fw.Write(9, nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

func TestFeatureWriterEmpty(t *testing.T) {
	var b bytes.Buffer
	fw, _ := NewFeatureWriter(&b, Header{})
	fw.Close()
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || len(doc["features"].([]any)) != 0 {
		t.Fatalf("empty collection %q: %v", b.String(), err)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

func TestFeatureWriterError(t *testing.T) {
	fw, _ := NewFeatureWriter(&failWriter{n: 10}, Header{})
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		err = fw.Write(int64(i), []byte(`{"type":"Point","coordinates":[1,2]}`), []byte(`{}`))
	}
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("write error not reported: %v", err)
	}
}

func TestContentDisposition(t *testing.T) {
	got := ContentDisposition("楼栋_机械厂家属楼_EPSG4550.geojson", "buildings_community-1_EPSG4550.geojson")
	want := `attachment; filename="buildings_community-1_EPSG4550.geojson"; filename*=UTF-8''%E6%A5%BC%E6%A0%8B_%E6%9C%BA%E6%A2%B0%E5%8E%82%E5%AE%B6%E5%B1%9E%E6%A5%BC_EPSG4550.geojson`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := ContentDisposition("a.zip", "a.zip"); got != `attachment; filename="a.zip"` {
		t.Errorf("ASCII name: %s", got)
	}
	if got := ContentDisposition(`a "b";c.zip`, `a "b";c.zip`); strings.Count(got, `"`) != 2 || !strings.Contains(got, "%22") {
		t.Errorf("quotes not escaped: %s", got)
	}
	if SafeName(`小区/1:2*?.zip`) != "小区_1_2__.zip" {
		t.Errorf("SafeName = %q", SafeName(`小区/1:2*?.zip`))
	}
}

func TestBundle(t *testing.T) {
	var b bytes.Buffer
	z := NewBundle(&b, time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC))
	w, _ := z.Create("buildings.geojson")
	fw, _ := NewFeatureWriter(w, Header{Name: "buildings"})
	fw.Write(1, []byte(`{"type":"Point","coordinates":[1,2]}`), []byte(`{}`))
	fw.Close()
	m := Metadata{Title: "数据包", Notice: DemoNotice, CRS: CRSInfo{Code: "EPSG:4550"}, CreatedBy: "designer",
		Files: []FileInfo{{File: "buildings.geojson", Title: "楼栋", Features: 1}}}
	if err := z.WriteJSON("metadata.json", m); err != nil {
		t.Fatal(err)
	}
	if err := z.WriteText("README.txt", README(m)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range r.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		files[f.Name] = string(data)
	}
	if !strings.Contains(files["buildings.geojson"], `"FeatureCollection"`) {
		t.Errorf("buildings.geojson = %q", files["buildings.geojson"])
	}
	var back Metadata
	if err := json.Unmarshal([]byte(files["metadata.json"]), &back); err != nil || back.Notice != DemoNotice {
		t.Errorf("metadata.json: %v %+v", err, back)
	}
	if !strings.Contains(files["README.txt"], DemoNotice) || !strings.Contains(files["README.txt"], "\r\n") {
		t.Errorf("README.txt = %q", files["README.txt"])
	}
}
