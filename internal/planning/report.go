package planning

import (
	"context"
	"slices"
	"sort"

	"renewmap/internal/access"
)

// EngineCoverer answers Greedy's coverage questions with the walk-network engine's what-if: the
// households of kind that facilities at the sites would newly cover, per community.
type EngineCoverer struct{ Engine *access.Engine }

// Newly implements Coverer; the engine's errors (renew.ErrInvalid for a site it cannot place)
// are returned as they are.
func (ec EngineCoverer) Newly(ctx context.Context, kind string, sites []Site) (map[int64]int, error) {
	p := access.Proposal{Facilities: make([]access.ProposedFacility, len(sites))}
	for i, s := range sites {
		p.Facilities[i] = access.ProposedFacility{Kind: kind, Point: s.Point, Community: s.Community}
	}
	sc, err := ec.Engine.WhatIf(ctx, p)
	if err != nil {
		return nil, err
	}
	out := map[int64]int{}
	for _, cd := range sc.Delta.Communities {
		for _, kd := range cd.Kinds {
			if kd.Kind == kind {
				out[cd.ID] += kd.Households
			}
		}
	}
	return out, nil
}

// Lacking is the households of the communities in scope (nil: all) that kind k (an index into
// the engine's kinds) does not cover.
func Lacking(e *access.Engine, k int, scope map[int64]bool) int {
	n := 0
	for _, cc := range e.Coverage().Communities {
		if scope == nil || scope[cc.ID] {
			n += cc.Households - cc.Covered[k]
		}
	}
	return n
}

// GapSite is a facility gap an area's communities share and the candidate site that best fills
// it (nil when no free candidate can host the kind), with the households it would newly cover.
type GapSite struct {
	Kind  KindInfo `json:"kind"`
	Site  *Site    `json:"site"`
	Newly int      `json:"newly_covered"`
}

// SiteGaps chooses a site for each shared gap of gaps (AreaGaps' kinds with Gap set) among
// sites, covering the households of scope: the gaps lacking the most households choose first,
// and a site serves one gap (a second facility in the same old boiler house is the planner's
// call, not the estimate's). It returns the choices in that order and the works they call for
// (EstimateWorks). The coverer's errors are returned as they are.
func SiteGaps(ctx context.Context, cov Coverer, gaps []AreaKind, sites []Site, scope map[int64]bool) ([]GapSite, []FacilityWork, error) {
	order := []AreaKind{}
	for _, g := range gaps {
		if g.Gap {
			order = append(order, g)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Lacking > order[j].Lacking })
	best := []GapSite{}
	var works []FacilityWork
	used := map[int64]bool{}
	for _, g := range order {
		var hosts []Site
		for _, s := range sites {
			if slices.Contains(s.Hostable, g.Code) && !used[s.ID] {
				hosts = append(hosts, s)
			}
		}
		gs := GapSite{Kind: g.KindInfo}
		if len(hosts) > 0 {
			r, err := Greedy(ctx, cov, g.Code, hosts, scope, 1)
			if err != nil {
				return nil, nil, err
			}
			if len(r.Picks) > 0 {
				site := r.Picks[0].Site
				gs.Site, gs.Newly = &site, r.Picks[0].Newly
				used[site.ID] = true
			}
		}
		best = append(best, gs)
		works = append(works, FacilityWork{Kind: g.Code, KindName: g.Name, Site: gs.Site})
	}
	return best, works, nil
}

// PipeSummary is the pipelines of an area as of Year (the report's pipeline section): the groups
// as the store gave them, their lengths by kind, condition and operator (longest first), and
// the total and failing lengths, rounded to 0.1 m.
type PipeSummary struct {
	Year        int         `json:"year"`
	Groups      []PipeGroup `json:"groups"`
	ByKind      []Length    `json:"by_kind"`
	ByCondition []Length    `json:"by_condition"`
	ByOperator  []Length    `json:"by_operator"`
	LengthM     float64     `json:"length_m"`
	FailingM    float64     `json:"failing_m"`
}

// SummarisePipes sums an area's pipe groups as of year; it also returns the failing length per
// kind (unrounded), which EstimateWorks prices.
func SummarisePipes(gs []PipeGroup, year int) (PipeSummary, map[string]float64) {
	ps := PipeSummary{Year: year, Groups: gs}
	kind, cond, op := newTally(), newTally(), newTally()
	failing := map[string]float64{}
	for _, g := range gs {
		kind.add(g.Kind, g.LengthM, g.Pipes)
		cond.add(g.Condition, g.LengthM, g.Pipes)
		op.add(g.Operator, g.LengthM, g.Pipes)
		ps.LengthM += g.LengthM
		ps.FailingM += g.FailingM
		failing[g.Kind] += g.FailingM
	}
	ps.ByKind, ps.ByCondition, ps.ByOperator = kind.list(), cond.list(), op.list()
	ps.LengthM, ps.FailingM = round1(ps.LengthM), round1(ps.FailingM)
	return ps, failing
}

// AreaInput is what an area's report is drawn from: the facility kinds (NoData set) and the
// members' coverage per kind, the households in scope, the candidate sites inside or near the
// area, the members' parking supply with the demand ratio and the charger share, the pipe groups
// as of Year (SeesPipes false for a role that may not see pipelines: no pipe section, no pipe
// costs) and the menu's unit costs.
type AreaInput struct {
	Kinds        []KindInfo
	Covers       []CommunityCover
	Scope        map[int64]bool
	Sites        []Site
	Parking      []ParkingInput
	Ratio        float64
	ChargerShare float64
	SeesPipes    bool
	Pipes        []PipeGroup
	Year         int
	Menu         map[string]MenuItem
}

// AreaReport is the analysis of an area: the facility gaps its communities share and the site
// chosen for each, the parking gap per member and in total, the pipelines (nil unless SeesPipes)
// and the estimated cost of the works.
type AreaReport struct {
	Gaps         []AreaKind
	GapSites     []GapSite
	Parking      []ParkingGap
	ParkingTotal ParkingGap
	Pipes        *PipeSummary
	Estimate     Estimate
}

// Report analyses an area from in (AreaGaps, SiteGaps with cov, Gaps, SummarisePipes,
// EstimateWorks). The coverer's errors are returned as they are.
func Report(ctx context.Context, cov Coverer, in AreaInput) (AreaReport, error) {
	var r AreaReport
	r.Gaps = AreaGaps(in.Kinds, in.Covers)
	sites, works, err := SiteGaps(ctx, cov, r.Gaps, in.Sites, in.Scope)
	if err != nil {
		return r, err
	}
	r.GapSites = sites
	r.Parking, r.ParkingTotal = Gaps(in.Parking, in.Ratio, in.ChargerShare)
	failing := map[string]float64{}
	if in.SeesPipes {
		ps, f := SummarisePipes(in.Pipes, in.Year)
		r.Pipes, failing = &ps, f
	}
	r.Estimate = EstimateWorks(in.Menu, r.ParkingTotal, failing, works)
	return r, nil
}
