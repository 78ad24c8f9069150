package access

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"renewmap/internal/renew"
)

// Engine answers accessibility questions about one version of the data. It is immutable once
// built and safe for concurrent use.
type Engine struct {
	version int64
	opt     Options
	proj    projection
	g       *graph
	idx     *snapIndex

	kinds   []Kind
	kindIdx map[string]int
	cutoff  []float64 // per kind: max(Limit, service distance)

	comms   []Community
	commIdx map[int64]int
	commBld [][]int32 // buildings of each community
	subs    []int64   // distinct subdistricts, sorted
	subIdx  map[int64]int

	bld        []Building
	bldIdx     map[int64]int
	bpos       []pos
	edgeBldOff []int32 // CSR: the buildings snapped to each edge
	edgeBld    []int32

	fac        []Facility
	fpos       []pos
	kindFac    [][]int32   // facilities counted for each kind
	kindOnEdge [][]edgeSrc // the same, sorted by edge, for the same-edge case

	gates int
	// comp labels the connected component of every node; mainComp is the main public network's.
	comp       []int32
	components int
	mainComp   int32
	isolated   []Isolated

	base state
	cov  *Coverage

	pool sync.Pool // *search
}

// edgeSrc is a source on an edge: t metres along it, d0 metres from the source itself.
type edgeSrc struct {
	edge  int32
	t, d0 float64
	src   int32
}

// state is what the searches found, per kind: the distance of every node and of every building
// to the nearest facility, and which facility that is (index into fac, -1 for none or a
// proposed one).
type state struct {
	nodeDist [][]float32
	dist     [][]float32
	near     [][]int32
}

// Stats describe a built engine.
type Stats struct {
	Version     int64 `json:"version"`
	Nodes       int   `json:"nodes"`
	Edges       int   `json:"edges"`
	Gates       int   `json:"gates"`
	Communities int   `json:"communities"`
	Buildings   int   `json:"buildings"`
	Facilities  int   `json:"facilities"` // counted in coverage
	Kinds       int   `json:"kinds"`
	Unsnapped   int   `json:"unsnapped"`  // buildings and facilities with no edge to snap to
	Components  int   `json:"components"` // connected components of the walk network
	Isolated    int   `json:"isolated"`   // communities in Isolation
}

// Build builds the network from in, snaps the buildings and facilities, and computes the
// distance from every building to the nearest facility of every kind. It returns renew.ErrInvalid
// when the kinds are inconsistent (a duplicate code, a service distance that is not positive, a
// facility of an unknown kind).
func Build(in Input, opt Options) (*Engine, error) {
	return build(in, opt, projectionFor(in))
}

func build(in Input, opt Options, proj projection) (*Engine, error) {
	if opt.Limit <= 0 {
		opt.Limit = defaultLimit
	}
	e := &Engine{version: in.Version, opt: opt, kindIdx: map[string]int{}, commIdx: map[int64]int{},
		subIdx: map[int64]int{}, bldIdx: map[int64]int{}, gates: len(in.Gates)}
	for _, k := range in.Kinds {
		if _, dup := e.kindIdx[k.Code]; dup {
			return nil, renew.Invalid("facility kind %q appears twice", k.Code)
		}
		if !(k.ServiceDistance > 0) || math.IsInf(k.ServiceDistance, 0) {
			return nil, renew.Invalid("facility kind %q: service distance must be a positive number of metres", k.Code)
		}
		e.kindIdx[k.Code] = len(e.kinds)
		e.kinds = append(e.kinds, k)
		e.cutoff = append(e.cutoff, math.Max(opt.Limit, k.ServiceDistance))
	}
	e.proj = proj
	e.g = buildGraph(in.Edges, e.proj)
	e.idx = newSnapIndex(e.g)

	addComm := func(id, sub int64) int {
		if i, ok := e.commIdx[id]; ok {
			return i
		}
		e.commIdx[id] = len(e.comms)
		e.comms = append(e.comms, Community{ID: id, Subdistrict: sub})
		e.commBld = append(e.commBld, nil)
		return len(e.comms) - 1
	}
	for _, c := range in.Communities {
		if _, ok := e.commIdx[c.ID]; !ok {
			addComm(c.ID, c.Subdistrict)
			e.comms[len(e.comms)-1] = c
		}
	}
	e.bld = in.Buildings
	e.bpos = make([]pos, len(e.bld))
	for i, b := range e.bld {
		e.bldIdx[b.ID] = i
		e.bpos[i] = e.snapPoint(b.Point, b.Community)
		if b.Community != 0 {
			ci := addComm(b.Community, b.Subdistrict)
			e.commBld[ci] = append(e.commBld[ci], int32(i))
		}
	}
	e.edgeBldOff = make([]int32, e.g.edges()+1)
	for _, p := range e.bpos {
		if p.edge >= 0 {
			e.edgeBldOff[p.edge+1]++
		}
	}
	for i := 1; i < len(e.edgeBldOff); i++ {
		e.edgeBldOff[i] += e.edgeBldOff[i-1]
	}
	e.edgeBld = make([]int32, e.edgeBldOff[len(e.edgeBldOff)-1])
	fill := append([]int32(nil), e.edgeBldOff...)
	for b, p := range e.bpos {
		if p.edge >= 0 {
			e.edgeBld[fill[p.edge]] = int32(b)
			fill[p.edge]++
		}
	}
	for _, c := range e.comms {
		if _, ok := e.subIdx[c.Subdistrict]; !ok && c.Subdistrict != 0 {
			e.subIdx[c.Subdistrict] = 0
			e.subs = append(e.subs, c.Subdistrict)
		}
	}
	sort.Slice(e.subs, func(i, j int) bool { return e.subs[i] < e.subs[j] })
	for i, s := range e.subs {
		e.subIdx[s] = i
	}

	e.fac = in.Facilities
	e.fpos = make([]pos, len(e.fac))
	e.kindFac = make([][]int32, len(e.kinds))
	e.kindOnEdge = make([][]edgeSrc, len(e.kinds))
	for i, f := range e.fac {
		k, ok := e.kindIdx[f.Kind]
		if !ok {
			return nil, renew.Invalid("facility %d has the unknown kind %q", f.ID, f.Kind)
		}
		e.fpos[i] = e.snapPoint(f.Point, f.Community)
		if f.Status == StatusPlanned && !opt.IncludePlanned || e.fpos[i].edge < 0 {
			continue
		}
		e.kindFac[k] = append(e.kindFac[k], int32(i))
		p := e.fpos[i]
		e.kindOnEdge[k] = append(e.kindOnEdge[k], edgeSrc{edge: p.edge, t: p.t, d0: p.off, src: int32(i)})
	}
	for _, l := range e.kindOnEdge {
		sort.Slice(l, func(i, j int) bool { return l[i].edge < l[j].edge })
	}
	e.comp, e.components, e.mainComp = components(e.g)
	e.isolated = e.isolation()
	e.base = e.computeAll()
	e.cov = e.coverage(e.base.dist)
	return e, nil
}

func projectionFor(in Input) projection {
	var sx, sy float64
	var n int
	for _, e := range in.Edges {
		for _, p := range e.Line {
			if finite(p) {
				sx, sy, n = sx+p[0], sy+p[1], n+1
			}
		}
	}
	if n == 0 {
		for _, b := range in.Buildings {
			if finite(b.Point) {
				sx, sy, n = sx+b.Point[0], sy+b.Point[1], n+1
			}
		}
	}
	if n == 0 {
		return newProjection(0, 0)
	}
	return newProjection(sx/float64(n), sy/float64(n))
}

func (e *Engine) snapPoint(p [2]float64, community int64) pos {
	if !finite(p) {
		return nowhere
	}
	x, y := e.proj.fwd(p)
	return e.idx.snap(x, y, community)
}

func (e *Engine) getSearch() *search {
	if s, ok := e.pool.Get().(*search); ok {
		return s
	}
	return &search{}
}

// forKinds runs fn for every kind, spread over the CPUs, each worker with its own search.
func (e *Engine) forKinds(fn func(s *search, k int)) {
	workers := min(runtime.GOMAXPROCS(0), len(e.kinds))
	var wg sync.WaitGroup
	next := make(chan int, len(e.kinds))
	for k := range e.kinds {
		next <- k
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.getSearch()
			defer e.pool.Put(s)
			for k := range next {
				fn(s, k)
			}
		}()
	}
	wg.Wait()
}

// computeAll runs one bounded multi-source search per kind from all its facilities.
func (e *Engine) computeAll() state {
	K, n := len(e.kinds), e.g.nodes()
	st := state{nodeDist: make([][]float32, K), dist: make([][]float32, K), near: make([][]int32, K)}
	e.forKinds(func(s *search, k int) {
		cutoff := e.cutoff[k]
		s.reset(n, nil, 0)
		for _, fi := range e.kindFac[k] {
			p := e.fpos[fi]
			s.seed(e.g, nil, p, p.off, fi, cutoff)
		}
		s.run(e.g, nil, cutoff)
		nd := make([]float32, n)
		for i := range nd {
			nd[i] = float32(inf)
		}
		for _, v := range s.touched {
			nd[v] = float32(s.dist[v])
		}
		dist, near := make([]float32, len(e.bld)), make([]int32, len(e.bld))
		for b, p := range e.bpos {
			d, src := s.valueAt(e.g, nil, p)
			if d2, src2 := e.sameEdge(k, p); d2 < d {
				d, src = d2, src2
			}
			d += p.off
			if d > cutoff || p.edge < 0 {
				d, src = inf, -1
			}
			dist[b], near[b] = float32(d), src
		}
		st.nodeDist[k], st.dist[k], st.near[k] = nd, dist, near
	})
	return st
}

// sameEdge is the distance from p to the nearest facility of kind k on p's own edge, walking
// along the edge.
func (e *Engine) sameEdge(k int, p pos) (float64, int32) {
	l := e.kindOnEdge[k]
	i := sort.Search(len(l), func(i int) bool { return l[i].edge >= p.edge })
	best, src := inf, int32(-1)
	for ; i < len(l) && l[i].edge == p.edge; i++ {
		if d := math.Abs(l[i].t-p.t) + l[i].d0; d < best {
			best, src = d, l[i].src
		}
	}
	return best, src
}

// Version is the data version the engine was built from.
func (e *Engine) Version() int64 { return e.version }

// Kinds are the facility kinds, in the order of every per-kind slice the engine returns.
func (e *Engine) Kinds() []Kind { return append([]Kind(nil), e.kinds...) }

// Stats counts what the engine holds.
func (e *Engine) Stats() Stats {
	st := Stats{Version: e.version, Nodes: e.g.nodes(), Edges: e.g.edges(), Gates: e.gates,
		Communities: len(e.comms), Buildings: len(e.bld), Kinds: len(e.kinds),
		Components: e.components, Isolated: len(e.isolated)}
	for _, l := range e.kindFac {
		st.Facilities += len(l)
	}
	for _, p := range e.bpos {
		if p.edge < 0 {
			st.Unsnapped++
		}
	}
	for _, p := range e.fpos {
		if p.edge < 0 {
			st.Unsnapped++
		}
	}
	return st
}

// KindDistance is how far a building is from the nearest facility of a kind.
type KindDistance struct {
	Kind     string  `json:"kind"`
	Reached  bool    `json:"reached"`  // false: none within the search limit
	Distance float64 `json:"distance"` // metres, when reached
	Facility int64   `json:"facility"` // the nearest facility's id, when reached
	Covered  bool    `json:"covered"`  // within the kind's service distance
}

// BuildingAccess gives a building's distance to the nearest facility of every kind, in the
// order of Kinds. It returns renew.ErrNotFound for an unknown building.
func (e *Engine) BuildingAccess(id int64) ([]KindDistance, error) {
	b, ok := e.bldIdx[id]
	if !ok {
		return nil, renew.NotFound("building %d is not in the walk network", id)
	}
	out := make([]KindDistance, len(e.kinds))
	for k, kind := range e.kinds {
		kd := KindDistance{Kind: kind.Code}
		if d := float64(e.base.dist[k][b]); !math.IsInf(d, 1) {
			kd.Reached, kd.Distance, kd.Covered = true, d, d <= kind.ServiceDistance
			if f := e.base.near[k][b]; f >= 0 {
				kd.Facility = e.fac[f].ID
			}
		}
		out[k] = kd
	}
	return out, nil
}

// Coverage is the coverage of the current data (computed once, at Build). Callers must not
// modify it.
func (e *Engine) Coverage() *Coverage { return e.cov }

func (e *Engine) community(id int64) (int, error) {
	i, ok := e.commIdx[id]
	if !ok {
		return 0, renew.NotFound("community %d is not in the walk network", id)
	}
	return i, nil
}

func (e *Engine) String() string {
	st := e.Stats()
	return fmt.Sprintf("walk network v%d: %d nodes, %d edges, %d buildings, %d facilities, %d kinds",
		st.Version, st.Nodes, st.Edges, st.Buildings, st.Facilities, st.Kinds)
}

func runtimeWorkers() int { return runtime.GOMAXPROCS(0) }
