package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/access"
	"renewmap/internal/ogc"
	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// PlanningStore is what the 片区, siting, parking-gap and dig-once endpoints read and write
// (Deps.Planning).
type PlanningStore interface {
	PlanningSettings(ctx context.Context) (planning.Settings, error)
	ServiceLife(ctx context.Context) (planning.Life, error)
	MenuCosts(ctx context.Context) (map[string]planning.MenuItem, error)
	SuggestAreas(ctx context.Context, q planning.SuggestQuery) ([]planning.Cluster, error)
	Areas(ctx context.Context) ([]planning.Area, error)
	Area(ctx context.Context, id int64) (planning.Area, error)
	CreateArea(ctx context.Context, name, origin string, members []int64, a renew.AuditEntry) (planning.Area, error)
	UpdateArea(ctx context.Context, id int64, ifMatch *time.Time, c planning.AreaChange, a renew.AuditEntry) (planning.Area, error)
	DeleteArea(ctx context.Context, id int64, ifMatch *time.Time, a renew.AuditEntry) error
	AreaPipelines(ctx context.Context, id int64, year int) ([]planning.PipeGroup, error)
	PipeConditions(ctx context.Context) (comms, subs []planning.PipeCondition, err error)
	Sites(ctx context.Context, q planning.SiteQuery) ([]planning.Site, error)
	ParkingSupply(ctx context.Context, ids []int64) ([]planning.ParkingInput, error)
	DigOnceData(ctx context.Context, from, to int, buffer float64) ([]planning.Road, []planning.PipePiece, error)
	LoadNetwork(ctx context.Context) (access.Input, error)
}

// Enumerations the filters accept (batch_labels, plan_stage_labels).
var (
	batchCodes = []string{"implement", "prepare", "reserve"}
	stageCodes = func() []string {
		out := make([]string, len(renew.Stages))
		for i, s := range renew.Stages {
			out[i] = string(s)
		}
		return out
	}()
)

// seesPipeFigures: pipeline lengths and conditions without geometry (the area report's pipeline
// section, dig once) are for the roles that see pipelines, and for planners, who schedule the
// utilities (先里子、后面子). Viewers see neither.
func seesPipeFigures(r renew.Role) bool { return r.SeesSensitive() || r.Edits() }

func (s *server) routesPlanning(e *echo.Group) {
	g := e.Group("/api/v1", s.require(nil))
	ready := available(s.deps.Planning != nil, errNoPlanning)
	g.GET("/planning/settings", ready(s.planningSettings))
	g.GET("/areas/suggest", ready(s.suggestAreas), s.heavy())
	g.GET("/areas", ready(s.listAreas))
	g.POST("/areas", ready(s.createArea), s.require(renew.Role.Edits))
	g.GET("/areas/:id", ready(s.getArea))
	g.PATCH("/areas/:id", ready(s.updateArea), s.require(renew.Role.Edits))
	g.DELETE("/areas/:id", ready(s.deleteArea), s.require(renew.Role.Edits))
	g.GET("/areas/:id/report", ready(s.areaReport), s.heavy())
	g.GET("/siting", ready(s.siting), s.heavy())
	g.GET("/parking-gap", ready(s.parkingGap))
	g.GET("/dig-once", ready(s.digOnce), s.require(seesPipeFigures), s.heavy())
	g.GET("/pipelines/condition", ready(s.pipeConditions), s.require(renew.Role.SeesSensitive))
}

var errNoPlanning = &renew.Error{Kind: renew.ErrUnavailable, Msg: "片区分析不可用 (planning is not configured)"}

// planningEngine is the shared walk-network engine when the service holds one, otherwise one
// built for this request from the database (about 20 ms on the demo district).
func (s *server) planningEngine(ctx context.Context, st PlanningStore) (*access.Engine, error) {
	if s.deps.Engines != nil {
		return s.deps.Engines.Engine(ctx)
	}
	in, err := st.LoadNetwork(ctx)
	if err != nil {
		return nil, err
	}
	return access.Build(in, access.Options{})
}

// GET /api/v1/planning/settings — the defaults the planning tools start from.
func (s *server) planningSettings(c echo.Context) error {
	st := s.deps.Planning
	ctx := c.Request().Context()
	set, err := st.PlanningSettings(ctx)
	if err != nil {
		return err
	}
	life, err := st.ServiceLife(ctx)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"settings": set, "service_life": life,
		"may": map[string]bool{"edit": roleOf(c).Edits(), "pipes": seesPipeFigures(roleOf(c))}})
}

// kindOf finds a facility kind in the engine.
func kindOf(e *access.Engine, code string) (access.Kind, int, bool) {
	for i, k := range e.Kinds() {
		if k.Code == code {
			return k, i, true
		}
	}
	return access.Kind{}, -1, false
}

// communityName names community ids for the answers.
func communityNames(e *access.Engine, gs []planning.Gain) []map[string]any {
	out := make([]map[string]any, len(gs))
	for i, g := range gs {
		info, _ := e.CommunityInfo(g.Community)
		out[i] = map[string]any{"id": g.Community, "code": info.Code, "name": info.Name, "households": g.Households}
	}
	return out
}

// GET /api/v1/siting?kind=&area=|bbox=&k=5&near= — candidate sites that can host kind, ranked by
// greedy maximal covering of the households that lack it: in the area's communities (sites
// inside the area or within near metres, default planning_settings.site_near_m), or in the whole
// district (sites within bbox, or all). The proposal of the picks can be sent to
// POST /api/v1/scenarios as it is.
func (s *server) siting(c echo.Context) error {
	st := s.deps.Planning
	ctx := c.Request().Context()
	kindCode := c.QueryParam("kind")
	if kindCode == "" || len(kindCode) > 64 {
		return renew.Invalid("kind: a facility kind code is required")
	}
	k, err := intParam(c, "k", 5, 1, planning.MaxK)
	if err != nil {
		return err
	}
	set, err := st.PlanningSettings(ctx)
	if err != nil {
		return err
	}
	near, err := intParam(c, "near", int(set.SiteNearM), 0, 2000)
	if err != nil {
		return err
	}
	q := planning.SiteQuery{Kind: kindCode, NearM: float64(near)}
	var scope map[int64]bool
	scopeJSON := map[string]any{"type": "district"}
	areaParam, bboxParam := c.QueryParam("area"), c.QueryParam("bbox")
	if areaParam != "" && bboxParam != "" {
		return renew.Invalid("area, bbox: give one or neither")
	}
	if bboxParam != "" {
		bb, err := ogc.ParseBBox(bboxParam, ogc.CRS84)
		if err != nil {
			return err
		}
		b := bb.Box()
		if err := planning.CheckSitingBox(b); err != nil {
			return err
		}
		q.BBox = &b
		scopeJSON = map[string]any{"type": "bbox", "bbox": b}
	}
	if areaParam != "" {
		id, err := parseID("area", "片区", areaParam)
		if err != nil {
			return err
		}
		a, err := st.Area(ctx, id)
		if err != nil {
			return err
		}
		q.Area = id
		scope = map[int64]bool{}
		for _, m := range a.Members {
			scope[m.ID] = true
		}
		scopeJSON = map[string]any{"type": "area", "id": a.ID, "code": a.Code, "name": a.Name, "near_m": near}
	}
	e, err := s.planningEngine(ctx, st)
	if err != nil {
		return err
	}
	kind, ki, ok := kindOf(e, kindCode)
	if !ok {
		return renew.Invalid("kind: %q is not a facility kind", kindCode)
	}
	sites, err := st.Sites(ctx, q)
	if err != nil {
		return err
	}
	if len(sites) > planning.MaxSites {
		sites = sites[:planning.MaxSites]
	}
	start := time.Now()
	res, err := planning.Greedy(ctx, planning.EngineCoverer{Engine: e}, kindCode, sites, scope, k)
	if err != nil {
		return err
	}
	before := planning.Lacking(e, ki, scope)
	picks := make([]map[string]any, len(res.Picks))
	proposal := []map[string]any{}
	for i, p := range res.Picks {
		picks[i] = map[string]any{"rank": p.Rank, "site": p.Site, "newly_covered": p.Newly, "cumulative": p.Cumulative,
			"alone": p.Alone, "communities": communityNames(e, p.Communities)}
		f := map[string]any{"kind": kindCode, "lon": p.Point[0], "lat": p.Point[1]}
		if p.Community != 0 {
			f["community"] = p.Community
		}
		proposal = append(proposal, f)
	}
	ranking := make([]map[string]any, len(res.Ranking))
	for i, r := range res.Ranking {
		ranking[i] = map[string]any{"site": r.Site, "alone": r.Alone, "communities": communityNames(e, r.Communities)}
	}
	return c.JSON(http.StatusOK, map[string]any{
		"kind":  map[string]any{"code": kind.Code, "name": kind.Name, "level": kind.Level, "service_distance": kind.ServiceDistance},
		"scope": scopeJSON, "k": k, "sites_considered": len(sites),
		"lacking_before": before, "covered": res.Covered, "lacking_after": before - res.Covered,
		"picks": picks, "ranking": ranking, "unplaced": res.Unplaced,
		"proposal": map[string]any{"facilities": proposal},
		"version":  e.Version(), "elapsed_ms": float64(time.Since(start).Microseconds()) / 1000,
	})
}

// parkingScope reads area= or community= (or neither: every old community) into community ids.
func parkingScope(c echo.Context, st PlanningStore) ([]int64, map[string]any, error) {
	ctx := c.Request().Context()
	areaParam, commParam := c.QueryParam("area"), c.QueryParam("community")
	switch {
	case areaParam != "" && commParam != "":
		return nil, nil, renew.Invalid("area, community: give one or neither")
	case areaParam != "":
		id, err := parseID("area", "片区", areaParam)
		if err != nil {
			return nil, nil, err
		}
		a, err := st.Area(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]int64, len(a.Members))
		for i, m := range a.Members {
			ids[i] = m.ID
		}
		return ids, map[string]any{"type": "area", "id": a.ID, "code": a.Code, "name": a.Name}, nil
	case commParam != "":
		id, err := parseID("community", "小区", commParam)
		if err != nil {
			return nil, nil, err
		}
		return []int64{id}, map[string]any{"type": "community", "id": id}, nil
	}
	return nil, map[string]any{"type": "old_communities"}, nil
}

// GET /api/v1/parking-gap?area=|community=&ratio=0.6 — parking supply by kind against demand
// (households × ratio, and × 1.0) and chargers against a share of the spaces, per community and
// in total; without area or community, for every old community.
func (s *server) parkingGap(c echo.Context) error {
	st := s.deps.Planning
	ctx := c.Request().Context()
	set, err := st.PlanningSettings(ctx)
	if err != nil {
		return err
	}
	ratio, err := planning.ParseRatio(c.QueryParam("ratio"), set.ParkingRatio)
	if err != nil {
		return err
	}
	ids, scope, err := parkingScope(c, st)
	if err != nil {
		return err
	}
	ins, err := st.ParkingSupply(ctx, ids)
	if err != nil {
		return err
	}
	if scope["type"] == "community" {
		if len(ins) == 0 {
			return renew.NotFound("community %v does not exist", scope["id"])
		}
		scope["name"] = ins[0].Name
	}
	rows, total := planning.Gaps(ins, ratio, set.ChargerShare)
	return c.JSON(http.StatusOK, map[string]any{"ratio": ratio, "charger_share": set.ChargerShare, "scope": scope,
		"communities": rows, "total": total})
}

// digRoadJSON is a dig-once road with its line.
type digRoadJSON struct {
	planning.DigRoad
	Geometry *geojson.Geometry `json:"geometry"`
}

// GET /api/v1/dig-once?from=2021&to=2023&buffer=5 (roles that see pipe figures) — roads to be
// resurfaced in [from, to] with the failing pipes in their corridor, lengths by kind and
// operator; without from and to, every planned year.
func (s *server) digOnce(c echo.Context) error {
	st := s.deps.Planning
	ctx := c.Request().Context()
	fromP, toP := c.QueryParam("from"), c.QueryParam("to")
	from, to := 1900, 2100
	if fromP != "" || toP != "" {
		// One bound alone is a single year.
		if fromP == "" {
			fromP = toP
		}
		if toP == "" {
			toP = fromP
		}
		var err error
		if from, to, err = planning.ParseYears(fromP, toP, 0, 0); err != nil {
			return err
		}
	}
	set, err := st.PlanningSettings(ctx)
	if err != nil {
		return err
	}
	buffer, err := planning.ParseBuffer(c.QueryParam("buffer"), set.DigBufferM)
	if err != nil {
		return err
	}
	life, err := st.ServiceLife(ctx)
	if err != nil {
		return err
	}
	roads, pieces, err := st.DigOnceData(ctx, from, to, buffer)
	if err != nil {
		return err
	}
	list, sum := planning.DigOnce(roads, pieces, life)
	out := make([]digRoadJSON, len(list))
	for i, r := range list {
		out[i] = digRoadJSON{r, geometryOf(r.Geometry)}
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "buffer_m": buffer, "service_life": life,
		"roads": out, "summary": sum})
}

// GET /api/v1/areas/:id/report?ratio=&year= — an area's report: members and totals; the facility
// gaps its communities share (coverage per kind from the walk network) with the best candidate
// site for each; the parking gap; the pipelines by kind, condition and operator (roles that see
// pipe figures); candidate sites inside or near; and the estimated cost of the works the gaps call
// for, from the menu's unit costs.
func (s *server) areaReport(c echo.Context) error {
	st := s.deps.Planning
	ctx := c.Request().Context()
	id, err := areaID(c)
	if err != nil {
		return err
	}
	set, err := st.PlanningSettings(ctx)
	if err != nil {
		return err
	}
	ratio, err := planning.ParseRatio(c.QueryParam("ratio"), set.ParkingRatio)
	if err != nil {
		return err
	}
	year, err := intParam(c, "year", time.Now().Year(), 1900, 2100)
	if err != nil {
		return err
	}
	a, err := st.Area(ctx, id)
	if err != nil {
		return err
	}
	e, err := s.planningEngine(ctx, st)
	if err != nil {
		return err
	}
	kinds, err := s.kindsWithData(c, e)
	if err != nil {
		return err
	}
	in := planning.AreaInput{Kinds: make([]planning.KindInfo, len(kinds)), Scope: map[int64]bool{}, Ratio: ratio,
		ChargerShare: set.ChargerShare, SeesPipes: seesPipeFigures(roleOf(c)), Year: year}
	for i, k := range kinds {
		in.Kinds[i] = planning.KindInfo{Code: k.Kind, Name: k.Name, Level: k.Level, Required: k.Required, NoData: k.NoData}
	}
	ids := make([]int64, len(a.Members))
	for i, m := range a.Members {
		ids[i] = m.ID
		in.Scope[m.ID] = true
		if cc, ok := e.Coverage().Community(m.ID); ok {
			in.Covers = append(in.Covers, planning.CommunityCover{ID: cc.ID, Households: cc.Households, Covered: cc.Covered})
		}
	}
	if in.Sites, err = st.Sites(ctx, planning.SiteQuery{Area: id, NearM: set.SiteNearM}); err != nil {
		return err
	}
	if in.Parking, err = st.ParkingSupply(ctx, ids); err != nil {
		return err
	}
	if in.SeesPipes {
		if in.Pipes, err = st.AreaPipelines(ctx, id, year); err != nil {
			return err
		}
	}
	if in.Menu, err = st.MenuCosts(ctx); err != nil {
		return err
	}
	r, err := planning.Report(ctx, planning.EngineCoverer{Engine: e}, in)
	if err != nil {
		return err
	}
	if r.Pipes == nil {
		r.Estimate.Missing = append(r.Estimate.Missing, "管线改造费用：当前角色无权查看管线数据")
	}
	return c.JSON(http.StatusOK, map[string]any{
		"area": areaJSON{a, versionTag(a.UpdatedAt), geometryOf(a.Outline)}, "version": e.Version(), "generated_at": time.Now(),
		"gaps": r.Gaps, "gap_sites": r.GapSites,
		"parking":   map[string]any{"ratio": ratio, "charger_share": set.ChargerShare, "communities": r.Parking, "total": r.ParkingTotal},
		"pipelines": r.Pipes, "sites": in.Sites, "estimate": r.Estimate, "settings": set,
	})
}

// pipeConditions answers GET /api/v1/pipelines/condition (the roles that see pipelines): per
// community and per 街道, the pipelines' length by condition and the share poor or critical —
// the dashboard's 管线状况 at district zoom, where the pipes themselves are too small to see.
func (s *server) pipeConditions(c echo.Context) error {
	comms, subs, err := s.deps.Planning.PipeConditions(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"communities": comms, "subdistricts": subs})
}
