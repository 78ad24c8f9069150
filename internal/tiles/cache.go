package tiles

import (
	"container/list"
	"sync"
)

// Tile is a rendered tile: the MVT bytes, their gzip once a client asked for it (nil before),
// and the ETag, a hash of the bytes, so a tile rendered again with the same content keeps its
// ETag and browsers their 304s.
type Tile struct {
	Raw, Gzip []byte
	ETag      string
}

// entryOverhead is what a cached tile costs beyond its buffers and key: the Tile, its Meta, the
// list element and entry, the map slot (TestCacheCountsRealCost measures it; an empty tile is
// mostly this).
const entryOverhead = 320

// cost is what a tile cached under key holds in memory: its buffers' capacity, its ETag, the key
// and the entryOverhead.
func cost(key string, t *Tile) int {
	return cap(t.Raw) + cap(t.Gzip) + len(t.ETag) + len(key) + entryOverhead
}

// Meta says what a cached tile holds: the layer set's name (a cache key's first part), the
// layers rendered and the tile's address.
type Meta struct {
	Set    string
	Layers []string
	Coord  Coord
}

// Stats counts the cache's work since it was made.
type Stats struct {
	Hits, Misses int64
	// Invalidated counts the tiles dropped because a change reached them; Rejected the rendered
	// tiles not stored because a change reached them while they were rendered.
	Invalidated, Rejected int64
	// LastChange is the id of the last change applied.
	LastChange int64
}

// Cache is a least-recently-used tile cache bounded by bytes, kept true by the tile change log:
// Apply drops exactly the tiles a change reaches. It serves tiles only while it is told every
// change (Reset(true) by the change watcher once it listens; Reset(false) when it loses its
// connection and may miss some).
type Cache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	ll       *list.List
	items    map[string]*list.Element
	tracking bool
	// gen counts the changes applied; recent holds the last ones, so Put can tell whether a
	// tile rendered since gen g has been overtaken by a change; floor is the oldest g it can judge.
	gen, floor uint64
	recent     []Change
	stats      Stats
	onChange   func(Change, []Meta)
}

type cacheEntry struct {
	key  string
	meta Meta
	tile *Tile
}

// recentChanges bounds the changes kept to judge tiles still being rendered.
const recentChanges = 1024

// NewCache returns a cache holding at most maxBytes of tiles; maxBytes <= 0 disables it.
func NewCache(maxBytes int) *Cache {
	return &Cache{maxBytes: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// Gen returns the current generation; pass it to Put for a tile rendered from now on.
func (c *Cache) Gen() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Get returns the tile stored under key.
func (c *Cache) Get(key string) (*Tile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok || !c.tracking {
		c.stats.Misses++
		return nil, false
	}
	c.stats.Hits++
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry).tile, true
}

// Has reports whether key is stored, without counting or reordering.
func (c *Cache) Has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.items[key]
	return ok && c.tracking
}

// Put stores t under key unless a change applied since generation gen reaches it (it may have
// been rendered from the data before that change), evicting the least recently used tiles beyond
// the bound. It reports whether t was stored.
func (c *Cache) Put(key string, m Meta, t *Tile, gen uint64) bool {
	if c.maxBytes <= 0 || cost(key, t) > c.maxBytes {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.tracking || gen < c.floor {
		return false
	}
	for _, ch := range c.recent[len(c.recent)-int(c.gen-gen):] {
		if ch.Reaches(m.Layers, m.Coord) {
			c.stats.Rejected++
			return false
		}
	}
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	c.items[key] = c.ll.PushFront(&cacheEntry{key, m, t})
	c.bytes += cost(key, t)
	c.evict()
	return true
}

func (c *Cache) evict() {
	for c.bytes > c.maxBytes {
		c.remove(c.ll.Back())
	}
}

// SetGzip stores t with gz, its gzip, under key if key still holds t (a tile is not changed once
// stored: readers may hold it).
func (c *Cache) SetGzip(key string, t *Tile, gz []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok && el.Value.(*cacheEntry).tile == t {
		e := el.Value.(*cacheEntry)
		e.tile = &Tile{Raw: t.Raw, Gzip: gz, ETag: t.ETag}
		c.bytes += cost(key, e.tile) - cost(key, t)
		c.evict()
	}
}

// Apply drops every tile ch reaches and then calls the function given to OnChange.
func (c *Cache) Apply(ch Change) {
	c.mu.Lock()
	var dropped []Meta
	for el := c.ll.Front(); el != nil; {
		next := el.Next()
		e := el.Value.(*cacheEntry)
		if ch.Reaches(e.meta.Layers, e.meta.Coord) {
			dropped = append(dropped, e.meta)
			c.remove(el)
		}
		el = next
	}
	c.stats.Invalidated += int64(len(dropped))
	c.stats.LastChange = ch.ID
	c.gen++
	c.recent = append(c.recent, ch)
	if len(c.recent) > recentChanges {
		c.recent = c.recent[len(c.recent)-recentChanges:]
		c.floor = c.gen - recentChanges
	}
	fn := c.onChange
	c.mu.Unlock()
	if fn != nil {
		fn(ch, dropped)
	}
}

// Reset drops every tile; tracking says whether every change will be applied from now on.
func (c *Cache) Reset(tracking bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ll.Init()
	clear(c.items)
	c.bytes = 0
	c.tracking = tracking
	c.gen++
	c.floor, c.recent = c.gen, nil
}

// Tracking reports whether the cache is told every change (and so serves tiles).
func (c *Cache) Tracking() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tracking
}

// OnChange sets a function called after each change is applied with the tiles it dropped (the
// prewarmer renders them again).
func (c *Cache) OnChange(fn func(Change, []Meta)) {
	c.mu.Lock()
	c.onChange = fn
	c.mu.Unlock()
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
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
