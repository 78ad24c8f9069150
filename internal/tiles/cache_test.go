package tiles

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

func tileOf(n int) *Tile { return &Tile{Raw: bytes.Repeat([]byte("x"), n)} }

// The cache serves only while it is told every change, and stays within its bound by evicting
// the least recently used.
func TestCacheBoundAndTracking(t *testing.T) {
	c := NewCache(3 * cost("a", tileOf(100)))
	m := Meta{Set: "all", Layers: []string{"roads"}, Coord: Coord{14, 1, 1}}
	if c.Put("a", m, tileOf(100), c.Gen()) {
		t.Error("stored a tile before the cache tracks changes")
	}
	c.Reset(true)
	for _, k := range []string{"a", "b", "c"} {
		c.Put(k, m, tileOf(100), c.Gen())
	}
	c.Get("a") // a is now the most recent
	c.Put("d", m, tileOf(100), c.Gen())
	if _, ok := c.Get("b"); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if c.Len() != 3 || c.Bytes() > 3*cost("a", tileOf(100)) {
		t.Errorf("cache holds %d tiles, %d bytes", c.Len(), c.Bytes())
	}
	c.Reset(false)
	if _, ok := c.Get("a"); ok || c.Len() != 0 {
		t.Error("a cache that lost track of changes still serves tiles")
	}
	off := NewCache(0)
	off.Reset(true)
	if off.Put("a", m, tileOf(1), off.Gen()) {
		t.Error("a disabled cache stored a tile")
	}
}

// A change drops the tiles of its layers that its boxes reach, with the tile buffer, and no
// other; a tile rendered while a change reaching it was applied is not stored.
func TestCacheApply(t *testing.T) {
	c := NewCache(1 << 20)
	c.Reset(true)
	at := func(z, x, y int) Coord { return Coord{z, x, y} }
	here := at(16, 55410, 24060)
	e := here.Envelope(0)
	put := func(key string, layers []string, co Coord) {
		if !c.Put(key, Meta{Set: key, Layers: layers, Coord: co}, tileOf(10), c.Gen()) {
			t.Fatalf("%s not stored", key)
		}
	}
	put("here", []string{"buildings", "roads"}, here)
	put("east", []string{"buildings"}, at(16, 55411, 24060))
	put("far", []string{"buildings"}, at(16, 55420, 24060))
	put("roads-only", []string{"roads"}, here)
	// A box just inside here's east edge: within east's buffer too.
	w := e[2] - e[0]
	box := [4]float64{e[2] - w/100, e[1] + w/2, e[2] - w/200, e[1] + w/2 + 1}
	gen := c.Gen()
	c.Apply(Change{ID: 1, Layers: []string{"buildings"}, Boxes: [][4]float64{box}})
	for key, want := range map[string]bool{"here": false, "east": false, "far": true, "roads-only": true} {
		if c.Has(key) != want {
			t.Errorf("after the change %s cached = %v, want %v", key, !want, want)
		}
	}
	if s := c.Stats(); s.Invalidated != 2 {
		t.Errorf("invalidated %d tiles, want 2", s.Invalidated)
	}
	if c.Put("here", Meta{Set: "here", Layers: []string{"buildings"}, Coord: here}, tileOf(10), gen) {
		t.Error("a tile rendered before the change reaching it was stored")
	}
	if !c.Put("far2", Meta{Set: "far2", Layers: []string{"buildings"}, Coord: at(16, 55420, 24060)}, tileOf(10), gen) {
		t.Error("a tile the change does not reach was refused")
	}
	c.Apply(Change{ID: 2, Layers: []string{"roads"}})
	if c.Has("roads-only") || !c.Has("far") {
		t.Error("a change everywhere to roads did not drop exactly the roads tiles")
	}
}

// CoordsIn finds the tiles whose buffered envelope meets a box.
func TestCoordsIn(t *testing.T) {
	here := Coord{14, 13851, 5960}
	e := here.Envelope(0)
	w := e[2] - e[0]
	cs, ok := CoordsIn(14, [4]float64{e[0] + w/4, e[1] + w/4, e[2] - w/4, e[3] - w/4}, 10)
	if !ok || len(cs) != 1 || cs[0] != here {
		t.Errorf("inner box: %v %v", cs, ok)
	}
	cs, _ = CoordsIn(14, [4]float64{e[0] + w/4, e[1] + w/4, e[2] - w/200, e[3] - w/4}, 10)
	if len(cs) != 2 {
		t.Errorf("a box within the east neighbour's buffer meets %d tiles, want 2", len(cs))
	}
	if _, ok := CoordsIn(20, e, 10); ok {
		t.Error("limit not enforced")
	}
}

// A stamp changes with the versions of its tables and only with them.
func TestVersionsStamp(t *testing.T) {
	var v Versions
	if _, ok := v.Stamp([]string{"roads"}); ok {
		t.Error("versions valid before the first read")
	}
	v.Set(map[string]int64{"roads": 1, "buildings": 5})
	a, _ := v.Stamp([]string{"roads"})
	v.Set(map[string]int64{"roads": 1, "buildings": 6})
	b, _ := v.Stamp([]string{"roads"})
	c, _ := v.Stamp([]string{"buildings", "roads"})
	if a != b {
		t.Error("a change to buildings changed the roads stamp")
	}
	if b == c {
		t.Error("stamps of different table sets collide")
	}
	v.Invalidate()
	if _, ok := v.Stamp([]string{"roads"}); ok {
		t.Error("versions still valid after Invalidate")
	}
}

// The cache counts what a tile really costs in memory, empty ones included (their key, map and
// list entries weigh more than their bytes), so its bound holds: the heap grows by no more than
// the bytes it counts.
func TestCacheCountsRealCost(t *testing.T) {
	const n = 50_000
	c := NewCache(1 << 30)
	c.Reset(true)
	layers := []string{"buildings", "roads"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		tile := &Tile{Raw: []byte{}, ETag: `"0123456789abcdef"`}
		if i%2 == 1 {
			tile = &Tile{Raw: make([]byte, 10), Gzip: make([]byte, 20, 64), ETag: `"0123456789abcdef"`} // a gzip buffer keeps spare capacity
		}
		coord := Coord{Z: 22, X: 3_400_000 + i, Y: 1_500_000 + i}
		c.Put(fmt.Sprintf("all-public/22/%d/%d", coord.X, coord.Y), Meta{Set: "all-public", Layers: layers, Coord: coord}, tile, c.Gen())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int(after.HeapAlloc) - int(before.HeapAlloc)
	t.Logf("%d tiles: heap %d B, counted %d B (%d and %d per tile)", n, heap, c.Bytes(), heap/n, c.Bytes()/n)
	if c.Len() != n {
		t.Fatalf("cache holds %d tiles, want %d", c.Len(), n)
	}
	if c.Bytes() < heap {
		t.Errorf("the cache counts %d B per tile; they cost %d B", c.Bytes()/n, heap/n)
	}
	runtime.KeepAlive(c)
}
