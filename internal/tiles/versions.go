package tiles

import (
	"hash/fnv"
	"strconv"
	"sync"
)

// Versions holds the data version of every table, as last read from the database. Until the
// first read, and whenever the watcher loses its connection (it may then miss a change), it is
// not valid and caches must not be trusted.
type Versions struct {
	mu    sync.RWMutex
	valid bool
	m     map[string]int64
}

// Set replaces all versions and marks them valid.
func (v *Versions) Set(m map[string]int64) {
	v.mu.Lock()
	v.m, v.valid = m, true
	v.mu.Unlock()
}

// Invalidate marks the versions unknown.
func (v *Versions) Invalidate() {
	v.mu.Lock()
	v.valid = false
	v.mu.Unlock()
}

// Stamp returns a fingerprint of the versions of tables, and false when versions are unknown.
func (v *Versions) Stamp(tables []string) (uint64, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if !v.valid {
		return 0, false
	}
	h := fnv.New64a()
	var buf []byte
	for _, t := range tables {
		buf = append(buf[:0], t...)
		buf = append(buf, '=')
		buf = strconv.AppendInt(buf, v.m[t], 10)
		buf = append(buf, ';')
		h.Write(buf)
	}
	return h.Sum64(), true
}
