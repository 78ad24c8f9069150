package access

import "math"

// BlindSpot is one building of the blind-spot overlay: the required kinds (codes, in the order
// of Kinds) whose nearest facility is beyond the kind's service distance.
type BlindSpot struct {
	Building   int64
	Households int
	Missing    []string
}

// BlindSpots gives every building's missing required kinds, in the order of the engine's
// buildings (the same as Coverage().Buildings).
func (e *Engine) BlindSpots() []BlindSpot {
	out := make([]BlindSpot, len(e.bld))
	for b, bl := range e.bld {
		bs := BlindSpot{Building: bl.ID, Households: bl.Households, Missing: []string{}}
		for k, kind := range e.kinds {
			if kind.Required && !(float64(e.base.dist[k][b]) <= kind.ServiceDistance) {
				bs.Missing = append(bs.Missing, kind.Code)
			}
		}
		out[b] = bs
	}
	return out
}

// CommunityIDs lists the communities the engine knows, in its order.
func (e *Engine) CommunityIDs() []int64 {
	ids := make([]int64, len(e.comms))
	for i, c := range e.comms {
		ids[i] = c.ID
	}
	return ids
}

// CommunityInfo returns the community with id as it was loaded, and false when it is unknown.
func (e *Engine) CommunityInfo(id int64) (Community, bool) {
	i, ok := e.commIdx[id]
	if !ok {
		return Community{}, false
	}
	return e.comms[i], true
}

// HasBuildings reports whether the community has buildings in the network (only those have
// circles).
func (e *Engine) HasBuildings(id int64) bool {
	i, ok := e.commIdx[id]
	return ok && len(e.commBld[i]) > 0
}

// NearestDistance is the distance from the nearest of the community's buildings to the nearest
// facility of each kind (in the order of Kinds); +Inf when none is within the search limit.
func (e *Engine) NearestDistance(id int64) ([]float64, error) {
	ci, err := e.community(id)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(e.kinds))
	for k := range e.kinds {
		out[k] = math.Inf(1)
		for _, b := range e.commBld[ci] {
			out[k] = math.Min(out[k], float64(e.base.dist[k][b]))
		}
	}
	return out, nil
}
