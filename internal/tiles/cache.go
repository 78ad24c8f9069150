package tiles

import (
	"container/list"
	"sync"
)

// Tile is a rendered tile: the MVT bytes and their gzip, and the fingerprint of the data versions
// it was made from.
type Tile struct {
	Raw, Gzip []byte
	Stamp     uint64
}

// entryOverhead is what a cached tile costs beyond its buffers and key: the Tile, the list element
// and entry, the map slot (TestCacheCountsRealCost measures it; an empty tile is mostly this).
const entryOverhead = 256

// cost is what a tile cached under key holds in memory: its buffers' capacity, the key and the
// entryOverhead.
func cost(key string, t *Tile) int { return cap(t.Raw) + cap(t.Gzip) + len(key) + entryOverhead }

// Cache is a least-recently-used tile cache bounded by bytes. A tile made from older data is
// never returned: Get compares the stamp, so a data change invalidates affected tiles at once and
// the stale ones age out.
type Cache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	ll       *list.List
	items    map[string]*list.Element
}

type cacheEntry struct {
	key  string
	tile *Tile
}

// NewCache returns a cache holding at most maxBytes of tiles; maxBytes <= 0 disables it.
func NewCache(maxBytes int) *Cache {
	return &Cache{maxBytes: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// Get returns the tile for key if it was made with stamp.
func (c *Cache) Get(key string, stamp uint64) (*Tile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	t := el.Value.(*cacheEntry).tile
	if t.Stamp != stamp {
		c.remove(el)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return t, true
}

// Put stores t under key, evicting the least recently used tiles beyond the bound.
func (c *Cache) Put(key string, t *Tile) {
	if c.maxBytes <= 0 || cost(key, t) > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	c.items[key] = c.ll.PushFront(&cacheEntry{key, t})
	c.bytes += cost(key, t)
	for c.bytes > c.maxBytes {
		c.remove(c.ll.Back())
	}
}

// Len and Bytes report the cache's fill.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

func (c *Cache) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

func (c *Cache) remove(el *list.Element) {
	e := c.ll.Remove(el).(*cacheEntry)
	delete(c.items, e.key)
	c.bytes -= cost(e.key, e.tile)
}
