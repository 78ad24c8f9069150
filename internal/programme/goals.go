package programme

import "renewmap/internal/renew"

// GoalResult is one of the six goals for one community.
type GoalResult struct {
	Goal  renew.Goal      `json:"goal"`
	Name  string          `json:"name"`
	State renew.GoalState `json:"state"`
	Items int             `json:"items"` // items of the plan serving the goal
	Done  int             `json:"done"`  // of which done
}

// Goals derives the six goals (排水通、路面平、路灯亮、功能全、环境美、管理优) from p's items, each
// serving the goal its menu item names: a goal is met when the plan has at least one item for it
// and all of them are done — for 管理优 the community must also have been handed over (移交管理)
// with a management named; in progress when it has items not all done (or, for 管理优, done but
// not yet handed over); not addressed when it has none. sql/0011's tile_goals view computes the
// same for the map.
func Goals(p *renew.Plan) []GoalResult {
	out := make([]GoalResult, len(renew.Goals))
	idx := map[renew.Goal]int{}
	for i, g := range renew.Goals {
		out[i] = GoalResult{Goal: g, Name: g.Name(), State: renew.GoalNone}
		idx[g] = i
	}
	for _, it := range p.Items {
		i, ok := idx[it.Goal]
		if !ok {
			continue
		}
		out[i].Items++
		if it.Status == renew.ItemDone {
			out[i].Done++
		}
	}
	handedOver := p.Stage == renew.StageHandedOver && p.ManagementAfter != nil && *p.ManagementAfter != "none"
	for i := range out {
		r := &out[i]
		switch {
		case r.Items == 0:
			r.State = renew.GoalNone
		case r.Done < r.Items:
			r.State = renew.GoalInProgress
		case r.Goal == renew.GoalManagement && !handedOver:
			r.State = renew.GoalInProgress
		default:
			r.State = renew.GoalMet
		}
	}
	return out
}

// GoalsMet counts the goals met.
func GoalsMet(rs []GoalResult) int {
	n := 0
	for _, r := range rs {
		if r.State == renew.GoalMet {
			n++
		}
	}
	return n
}
