package httpapi

import (
	"context"
	"slices"
	"sync"
	"time"

	"renewmap/internal/tiles"
)

// Prewarming: after a change (an import, an edit) the tiles it dropped from the cache are
// rendered again in the background, with every tile of zoom warmMinZoom–warmMaxZoom the change
// reaches within the data's extent, for each layer set users have asked for since the start, so
// that users meet cached tiles. One tile at a time, each waiting (up to warmPatience) until no
// user's tile request is in flight: users come first.
const (
	warmMinZoom = 12
	warmMaxZoom = 16
	// warmLimit bounds the tiles one change queues per layer set and zoom.
	warmLimit = 20000
	// warmPatience is how long a render waits for a moment without user tile requests.
	warmPatience = 50 * time.Millisecond
)

type warmer struct {
	t       *tileServer
	mu      sync.Mutex
	sets    sync.Map // layer sets asked for: name → []*tiles.Layer (read on every tile request)
	changes []tiles.Change
	queue   []tiles.Meta
	queued  map[string]bool
	wake    chan struct{}
}

func newWarmer(t *tileServer) *warmer {
	w := &warmer{t: t, queued: map[string]bool{}, wake: make(chan struct{}, 1)}
	t.cache.OnChange(w.changed)
	go w.run()
	return w
}

// asked records that users ask for the layer set named set.
func (w *warmer) asked(set string, ls []*tiles.Layer) {
	if _, ok := w.sets.Load(set); !ok {
		w.sets.LoadOrStore(set, ls)
	}
}

// changed is the cache's OnChange: it queues the dropped tiles and the change, and returns at
// once (it runs in the change watcher).
func (w *warmer) changed(ch tiles.Change, dropped []tiles.Meta) {
	w.mu.Lock()
	for _, m := range dropped {
		w.enqueue(m)
	}
	w.changes = append(w.changes, ch)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *warmer) enqueue(m tiles.Meta) {
	key := tileKey(m.Set, m.Coord)
	if m.Coord.Z < warmMinZoom || m.Coord.Z > warmMaxZoom || w.queued[key] {
		return
	}
	w.queued[key] = true
	w.queue = append(w.queue, m)
}

func (w *warmer) run() {
	ctx := context.Background()
	for range w.wake {
		for {
			w.mu.Lock()
			changes := w.changes
			w.changes = nil
			w.mu.Unlock()
			if len(changes) > 0 {
				w.expand(ctx, changes)
			}
			w.mu.Lock()
			if len(w.queue) == 0 {
				w.mu.Unlock()
				break
			}
			m := w.queue[0]
			w.queue = w.queue[1:]
			delete(w.queued, tileKey(m.Set, m.Coord))
			w.mu.Unlock()
			v, _ := w.sets.Load(m.Set)
			ls, _ := v.([]*tiles.Layer)
			// Users first: wait for a moment without tile requests, but not forever (under
			// constant load one render at a time still goes through).
			for waited := time.Duration(0); w.t.active.Load() > 0 && waited < warmPatience; waited += 2 * time.Millisecond {
				time.Sleep(2 * time.Millisecond)
			}
			if ls != nil && !w.t.cache.Has(tileKey(m.Set, m.Coord)) {
				w.t.get(ctx, m.Set, tiles.VisibleAt(ls, m.Coord.Z), m.Coord)
			}
		}
	}
}

// expand queues, for each layer set asked for that a change concerns, the tiles of zoom
// warmMinZoom–warmMaxZoom it reaches within the data's extent.
func (w *warmer) expand(ctx context.Context, changes []tiles.Change) {
	box, _, ok, err := w.t.src.Extent(ctx)
	if err != nil || !ok {
		return
	}
	x0, y0 := tiles.Mercator(box[0], box[1])
	x1, y1 := tiles.Mercator(box[2], box[3])
	extent := [4]float64{x0, y0, x1, y1}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range changes {
		boxes := ch.Boxes
		if boxes == nil {
			boxes = [][4]float64{extent}
		}
		w.sets.Range(func(k, v any) bool {
			set, ls := k.(string), v.([]*tiles.Layer)
			ids := layerIDs(ls)
			if !slices.ContainsFunc(ch.Layers, func(id string) bool { return slices.Contains(ids, id) }) {
				return true
			}
			for _, b := range boxes {
				b = [4]float64{max(b[0], extent[0]), max(b[1], extent[1]), min(b[2], extent[2]), min(b[3], extent[3])}
				if b[0] > b[2] || b[1] > b[3] {
					continue
				}
				for z := warmMinZoom; z <= warmMaxZoom; z++ {
					cs, _ := tiles.CoordsIn(z, b, warmLimit)
					for _, c := range cs {
						if vis := tiles.VisibleAt(ls, z); len(vis) > 0 && ch.Reaches(layerIDs(vis), c) {
							w.enqueue(tiles.Meta{Set: set, Coord: c})
						}
					}
				}
			}
			return true
		})
	}
}

func layerIDs(ls []*tiles.Layer) []string {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return ids
}
