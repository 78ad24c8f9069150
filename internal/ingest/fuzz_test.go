package ingest_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

// FuzzParse feeds arbitrary bytes to Parse as any layer: it must never panic, and must return
// either a batch or an ErrInvalid error; Check on what it accepts must behave the same.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/small/*.geojson")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(layerIndex(ingest.LayerOfName(p))))
	}
	f.Add([]byte(fc(building(""))), uint8(4))
	f.Add([]byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`), uint8(0))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`), uint8(0))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"P","items":[{"menu":1,"geometry":{"type":"MultiLineString","coordinates":[[[1,2]]]}}],"funding":[null]},"geometry":null}]}`), uint8(11))
	f.Add([]byte("{\"features\":[,]}"), uint8(3))
	f.Add([]byte(pipeline(`[[124.35, 43.16, 178.2], [124.351, 43.16, 178.1]]`)), uint8(layerIndex("pipelines")))
	layers := ingest.Layers()
	f.Fuzz(func(t *testing.T, data []byte, layer uint8) {
		lay := layers[int(layer)%len(layers)]
		b, err := ingest.Parse([]ingest.File{{Name: "f.geojson", Layer: lay.Name, Data: data}})
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) || renew.UserMessage(err) == "" {
				t.Fatalf("Parse error %v is not an ErrInvalid with a message", err)
			}
			return
		}
		if b == nil || len(b.Layers) != 1 {
			t.Fatalf("Parse returned %v and no error", b)
		}
		if err := b.Check(ingest.Known{}, ingest.Replace{}); err != nil && !errors.Is(err, renew.ErrInvalid) {
			t.Fatalf("Check error %v is not an ErrInvalid", err)
		}
	})
}

func layerIndex(name string) int {
	for i, l := range ingest.Layers() {
		if l.Name == name {
			return i
		}
	}
	return 0
}
