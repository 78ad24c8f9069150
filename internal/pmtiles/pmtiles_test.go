package pmtiles_test

import (
	. "renewmap/internal/pmtiles"
	"renewmap/internal/pmtiles/pmtilestest"

	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/tiny.pmtiles")

// The ids of the spec's examples: zoom 0 is 0, zoom 1 runs 1–4 along the Hilbert curve
// (0,0) (0,1) (1,1) (1,0), zoom 2 starts at 5; and ids go back to the same z/x/y.
func TestTileIDs(t *testing.T) {
	for _, c := range []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5}, {3, 7, 0, 84},
		{12, 3423, 1763, 19078479}, {31, 0, 0, 1537228672809129301}} {
		if got := ZxyToID(c.z, c.x, c.y); got != c.id {
			t.Errorf("ZxyToID(%d,%d,%d) = %d, want %d", c.z, c.x, c.y, got, c.id)
		}
	}
	for z := uint8(0); z <= 8; z++ {
		n := uint32(1) << z
		seen := map[uint64]bool{}
		for x := uint32(0); x < n; x++ {
			for y := uint32(0); y < n; y++ {
				id := ZxyToID(z, x, y)
				if seen[id] {
					t.Fatalf("z%d: id %d twice", z, id)
				}
				seen[id] = true
				if gz, gx, gy := IDToZxy(id); gz != z || gx != x || gy != y {
					t.Fatalf("IDToZxy(%d) = %d/%d/%d, want %d/%d/%d", id, gz, gx, gy, z, x, y)
				}
			}
		}
	}
}

// tiny is the archive kept in testdata: zooms 0–2, every tile its own text but the four
// identical tiles of z2's top left (one run), gzip directories, metadata.
func tiny() pmtilestest.Archive {
	a := pmtilestest.Archive{Tiles: map[uint64][]byte{}, Meta: `{"name":"tiny","attribution":"测试底图"}`, GzipDirs: true,
		TileType: TypePNG, MaxZoom: 2, Bounds: [4]float64{-180, -85.0511287, 180, 85.0511287}}
	for z := uint8(0); z <= 2; z++ {
		for x := uint32(0); x < 1<<z; x++ {
			for y := uint32(0); y < 1<<z; y++ {
				a.Tiles[ZxyToID(z, x, y)] = fmt.Appendf(nil, "tile %d/%d/%d", z, x, y)
			}
		}
	}
	for _, xy := range [][2]uint32{{0, 0}, {0, 1}, {1, 1}, {1, 0}} {
		a.Tiles[ZxyToID(2, xy[0], xy[1])] = []byte("same")
	}
	return a
}

// The writer of the tests makes the file in testdata byte for byte (so the reader is tested
// against bytes kept in the repository, not only against today's writer), and the reader finds
// every tile in it.
func TestGolden(t *testing.T) {
	got := tiny().Bytes()
	path := filepath.Join("testdata", "tiny.pmtiles")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the writer's archive differs from %s (go test -update to rewrite it)", path)
	}
	r, err := Open(bytes.NewReader(want), int64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if h.TileType != TypePNG || h.ContentType() != "image/png" || h.MaxZoom != 2 || h.InternalCompression != CompressionGzip ||
		h.TileEntries != 18 || h.TileContents != 18 || h.AddressedTiles != 21 || h.MaxLat != 85.0511287 || h.MinLon != -180 {
		t.Errorf("header %+v", h)
	}
	if string(r.Metadata()) != `{"name":"tiny","attribution":"测试底图"}` {
		t.Errorf("metadata %q", r.Metadata())
	}
	for id := range uint64(21) {
		z, x, y := IDToZxy(id)
		b, ok, err := r.Tile(z, x, y)
		want := fmt.Sprintf("tile %d/%d/%d", z, x, y)
		if z == 2 && x < 2 && y < 2 {
			want = "same"
		}
		if err != nil || !ok || string(b) != want {
			t.Errorf("tile %d/%d/%d: %q %v %v, want %q", z, x, y, b, ok, err, want)
		}
	}
	for _, c := range [][3]uint32{{3, 0, 0}, {2, 4, 0}, {1, 0, 2}} {
		if b, ok, err := r.Tile(uint8(c[0]), c[1], c[2]); ok || err != nil || b != nil {
			t.Errorf("tile %v outside the archive: %q %v %v", c, b, ok, err)
		}
	}
}

// Leaf directories, plain directories, runs and missing tiles within the zooms.
func TestLeavesAndGaps(t *testing.T) {
	for _, gz := range []bool{false, true} {
		a := pmtilestest.Archive{Tiles: map[uint64][]byte{}, GzipDirs: gz, LeafSize: 3, TileType: TypeMVT, MinZoom: 3, MaxZoom: 6}
		for z := uint8(3); z <= 6; z++ {
			for x := uint32(0); x < 1<<z; x += 3 {
				for y := uint32(0); y < 1<<z; y += 2 {
					a.Tiles[ZxyToID(z, x, y)] = fmt.Appendf(nil, "%d-%d-%d", z, x%4, y%4)
				}
			}
		}
		b := a.Bytes()
		r, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for z := uint8(0); z <= 7; z++ {
			for x := uint32(0); x < 1<<z; x++ {
				for y := uint32(0); y < 1<<z; y++ {
					got, ok, err := r.Tile(z, x, y)
					want, has := a.Tiles[ZxyToID(z, x, y)]
					if err != nil || ok != has || !bytes.Equal(got, want) {
						t.Fatalf("gzip %v, tile %d/%d/%d: %q %v %v, want %q %v", gz, z, x, y, got, ok, err, want, has)
					}
				}
			}
		}
	}
}

// Broken archives are refused with ErrFormat, never a panic or a read past the file.
func TestMalformed(t *testing.T) {
	good := tiny().Bytes()
	cases := map[string]func(b []byte) []byte{
		"short":        func(b []byte) []byte { return b[:100] },
		"magic":        func(b []byte) []byte { b[0] = 'X'; return b },
		"version 2":    func(b []byte) []byte { b[7] = 2; return b },
		"brotli dirs":  func(b []byte) []byte { b[97] = CompressionBrotli; return b },
		"zoom order":   func(b []byte) []byte { b[100] = 5; return b },
		"root outside": func(b []byte) []byte { b[16] = 0xff; b[17] = 0xff; return b },
		"not gzip":     func(b []byte) []byte { b[HeaderLen] = 0; return b },
	}
	for name, f := range cases {
		b := f(bytes.Clone(good))
		if _, err := Open(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, dir := range map[string][]byte{
		"count too large": {0xff, 0x01},
		"no offset":       pmtilestest.EncodeDirectory([]Entry{{TileID: 1, RunLength: 1, Length: 2}})[:4],
		"trailing bytes":  append(pmtilestest.EncodeDirectory([]Entry{{TileID: 1, RunLength: 1, Length: 2}}), 0),
		"truncated":       {3, 1},
	} {
		if _, err := ParseDirectory(dir); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A tile entry pointing past the tile data.
	a := pmtilestest.Archive{Tiles: map[uint64][]byte{0: []byte("x")}}
	b := a.Bytes()
	b[64] = 0 // data length 0
	r, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Tile(0, 0, 0); !errors.Is(err, ErrFormat) {
		t.Errorf("tile outside the data: %v", err)
	}
}

// FuzzOpen: any bytes either open and answer every tile of zooms 0–3 or fail with ErrFormat.
func FuzzOpen(f *testing.F) {
	f.Add(tiny().Bytes())
	l := tiny()
	l.LeafSize, l.GzipDirs = 2, false
	f.Add(l.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error not ErrFormat: %v", err)
			}
			return
		}
		for id := range uint64(85) {
			z, x, y := IDToZxy(id)
			if _, _, err := r.Tile(z, x, y); err != nil && !errors.Is(err, ErrFormat) {
				t.Fatalf("tile %d/%d/%d: %v", z, x, y, err)
			}
		}
	})
}

// FuzzDirectory: a directory that parses encodes back to the same entries.
func FuzzDirectory(f *testing.F) {
	f.Add(pmtilestest.EncodeDirectory([]Entry{{1, 0, 5, 1}, {2, 5, 3, 4}, {9, 0, 5, 0}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := ParseDirectory(b)
		if err != nil {
			return
		}
		again, err := ParseDirectory(pmtilestest.EncodeDirectory(es))
		if err != nil || len(again) != len(es) {
			t.Fatalf("re-encoded: %v", err)
		}
		for i := range es {
			if es[i] != again[i] {
				t.Fatalf("entry %d: %+v then %+v", i, es[i], again[i])
			}
		}
	})
}

// BenchmarkTile looks tiles up in an archive of zooms 0–10 (1.4 million tiles) in leaf
// directories of 4,096 entries, gzip-compressed, as served: a map's viewport (neighbouring ids,
// the leaf cached) and random tiles all over (most leaves read and unzipped again).
func BenchmarkTile(b *testing.B) {
	const n = 1398101
	a := pmtilestest.Archive{Tiles: map[uint64][]byte{}, GzipDirs: true, LeafSize: 4096, TileType: TypePNG, MaxZoom: 10}
	for id := range uint64(n) {
		a.Tiles[id] = []byte{byte(id), byte(id >> 8), byte(id >> 16)}
	}
	data := a.Bytes()
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		id   func(i int) uint64
	}{{"viewport", func(i int) uint64 { return uint64(1000000 + i%64) }}, {"random", func(i int) uint64 { return uint64(i*7919) % n }}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				id := bc.id(i)
				z, x, y := IDToZxy(id)
				if t, ok, err := r.Tile(z, x, y); err != nil || !ok || t[0] != byte(id) {
					b.Fatalf("tile %d: %v %v", id, ok, err)
				}
			}
		})
	}
}
