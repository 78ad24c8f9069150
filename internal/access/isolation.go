package access

import "sort"

// Reasons a community is isolated (Isolated.Reason).
const (
	// IsolatedUnreachable: some of the community's buildings stand on internal paths that do
	// not reach the main public network (a path network without a connector through a gate).
	IsolatedUnreachable = "unreachable"
	// IsolatedNoPaths: the community has buildings but no internal path at all.
	IsolatedNoPaths = "no_paths"
)

// Isolated is a community whose walk network is cut off from the main public network, or that
// has no internal path. A provisional (待核实) community is no wall, so it has no internal paths:
// it is isolated only when the public paths its buildings stand on are cut off. Buildings is how many of its buildings are affected: those on a cut-off
// internal network (unreachable), or all of them (no_paths).
type Isolated struct {
	Community int64  `json:"community"`
	Reason    string `json:"reason"`
	Buildings int    `json:"buildings"`
}

// components labels the connected components of the graph: comp[v] for node v, numbered from 0
// in order of their first node. main is the component holding the most length of public
// edges (-1 when there are none); ties go to the lower number.
func components(g *graph) (comp []int32, count int, main int32) {
	parent := make([]int32, g.nodes())
	for v := range parent {
		parent[v] = int32(v)
	}
	var find func(v int32) int32
	find = func(v int32) int32 {
		for parent[v] != v {
			parent[v] = parent[parent[v]]
			v = parent[v]
		}
		return v
	}
	for e := range g.from {
		a, b := find(g.from[e]), find(g.to[e])
		if a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	comp = make([]int32, g.nodes())
	label := map[int32]int32{}
	for v := range comp {
		r := find(int32(v))
		l, ok := label[r]
		if !ok {
			l = int32(len(label))
			label[r] = l
		}
		comp[v] = l
	}
	public := make([]float64, len(label))
	for e := range g.from {
		if g.comm[e] == 0 {
			public[comp[g.from[e]]] += g.length[e]
		}
	}
	main = -1
	for c, l := range public {
		if l > 0 && (main < 0 || l > public[main]) {
			main = int32(c)
		}
	}
	return comp, len(label), main
}

// isolation finds the isolated communities, ordered by id.
func (e *Engine) isolation() []Isolated {
	hasPaths := map[int64]bool{}
	for _, c := range e.g.comm {
		if c != 0 {
			hasPaths[c] = true
		}
	}
	var out []Isolated
	for ci, c := range e.comms {
		bs := e.commBld[ci]
		if len(bs) == 0 {
			continue
		}
		if c.Provisional {
			// Not a wall: its buildings stand on public paths, cut off only when those are.
			cut := 0
			for _, b := range bs {
				if p := e.bpos[b]; p.edge >= 0 && e.comp[e.g.from[p.edge]] != e.mainComp {
					cut++
				}
			}
			if cut > 0 {
				out = append(out, Isolated{Community: c.ID, Reason: IsolatedUnreachable, Buildings: cut})
			}
			continue
		}
		if !hasPaths[c.ID] {
			out = append(out, Isolated{Community: c.ID, Reason: IsolatedNoPaths, Buildings: len(bs)})
			continue
		}
		cut := 0
		for _, b := range bs {
			p := e.bpos[b]
			if p.edge >= 0 && e.g.comm[p.edge] != 0 && e.comp[e.g.from[p.edge]] != e.mainComp {
				cut++
			}
		}
		if cut > 0 {
			out = append(out, Isolated{Community: c.ID, Reason: IsolatedUnreachable, Buildings: cut})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Community < out[j].Community })
	return out
}

// Isolation lists the communities whose buildings cannot walk to the main public network
// (unreachable) or that have no internal path (no_paths), ordered by community id. The main
// public network is the connected component of the walk graph with the most length of public
// roads.
func (e *Engine) Isolation() []Isolated { return append([]Isolated{}, e.isolated...) }

// CommunityIsolation is the community's entry of Isolation, if it has one.
func (e *Engine) CommunityIsolation(id int64) (Isolated, bool) {
	i := sort.Search(len(e.isolated), func(i int) bool { return e.isolated[i].Community >= id })
	if i < len(e.isolated) && e.isolated[i].Community == id {
		return e.isolated[i], true
	}
	return Isolated{}, false
}
