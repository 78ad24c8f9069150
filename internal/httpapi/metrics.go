package httpapi

// watch registers the gauges read at each scrape: the tile cache's fill, the caps' slots in use
// and the walk network's version and build time.
func (s *server) watch() {
	m := s.metrics
	if c := s.deps.TileCache; c != nil {
		m.Gauge("renewmap_tile_cache_bytes", "Memory the tile cache counts for its tiles.", func() float64 { return float64(c.Bytes()) })
		m.Gauge("renewmap_tile_cache_tiles", "Tiles in the cache.", func() float64 { return float64(c.Len()) })
	}
	m.Gauge("renewmap_cap_heavy_in_use", "What-ifs and analyses running (heavy cap).", func() float64 { return float64(len(s.heavySlots)) })
	m.Gauge("renewmap_cap_stream_in_use", "Downloads and OGC item pages streaming (stream cap).", func() float64 { return float64(len(s.streamSlots)) })
	if e := s.deps.Engines; e != nil {
		m.Gauge("renewmap_walk_network_version", "Data version of the walk network in use (0 before the first build).",
			func() float64 { return float64(e.Status().Version) })
		m.Gauge("renewmap_walk_network_build_seconds", "How long the last walk network build took.",
			func() float64 { return float64(e.Status().BuildMillis) / 1000 })
	}
}
