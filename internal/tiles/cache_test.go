package tiles

import (
	"fmt"
	"runtime"
	"testing"
)

// The cache never returns a tile made from other data versions, and stays within its bound by
// evicting the least recently used.
func TestCache(t *testing.T) {
	tile := func(stamp uint64) *Tile { return &Tile{Raw: make([]byte, 128), Stamp: stamp} }
	c := NewCache(3 * cost("a", tile(1)))
	c.Put("a", tile(1))
	if _, ok := c.Get("a", 2); ok {
		t.Error("a tile of stamp 1 served for stamp 2")
	}
	if _, ok := c.Get("a", 1); ok {
		t.Error("a stale tile survived its miss")
	}
	c.Put("a", tile(1))
	c.Put("b", tile(1))
	c.Put("c", tile(1))
	c.Get("a", 1) // a is now the most recent
	c.Put("d", tile(1))
	if _, ok := c.Get("b", 1); ok {
		t.Error("b, the least recently used, was not evicted")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(k, 1); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
	if c.Len() != 3 || c.Bytes() > 3*cost("a", tile(1)) {
		t.Errorf("cache holds %d tiles, %d bytes", c.Len(), c.Bytes())
	}
	off := NewCache(0)
	off.Put("a", tile(1))
	if off.Len() != 0 {
		t.Error("a disabled cache stored a tile")
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
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		tile := &Tile{Raw: []byte{}, Stamp: 1}
		if i%2 == 1 {
			tile = &Tile{Raw: make([]byte, 10), Gzip: make([]byte, 20, 64), Stamp: 1} // a gzip buffer keeps spare capacity
		}
		c.Put(fmt.Sprintf("all-public/22/%d/%d", 3_400_000+i, 1_500_000+i), tile)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int(after.HeapAlloc) - int(before.HeapAlloc)
	t.Logf("%d tiles: heap %d B, counted %d B (%d and %d per tile)", n, heap, c.Bytes(), heap/n, c.Bytes()/n)
	if c.Bytes() < heap {
		t.Errorf("the cache counts %d B per tile; they cost %d B", c.Bytes()/n, heap/n)
	}
	runtime.KeepAlive(c)
}
