package httpapi

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/access"
	"renewmap/internal/planning"
	"renewmap/internal/postgis"
	"renewmap/internal/renew"
)

// PlanningStore is what the 片区, siting, parking-gap and dig-once endpoints read and write
// (internal/postgis implements it; the handlers find it on Deps.Store).
type PlanningStore interface {
	PlanningSettings(ctx context.Context) (postgis.PlanningSettings, error)
	ServiceLife(ctx context.Context) (planning.Life, error)
	MenuCosts(ctx context.Context) (map[string]planning.MenuItem, error)
	SuggestAreas(ctx context.Context, q postgis.SuggestQuery) ([]planning.Cluster, error)
	Areas(ctx context.Context) ([]planning.Area, error)
	Area(ctx context.Context, id int64) (planning.Area, error)
	CreateArea(ctx context.Context, name, origin string, members []int64, a renew.AuditEntry) (planning.Area, error)
	UpdateArea(ctx context.Context, id int64, ifMatch *time.Time, c postgis.AreaChange, a renew.AuditEntry) (planning.Area, error)
	DeleteArea(ctx context.Context, id int64, ifMatch *time.Time, a renew.AuditEntry) error
	AreaPipelines(ctx context.Context, id int64, year int) ([]postgis.PipeGroup, error)
	PipeConditions(ctx context.Context) (comms, subs []postgis.PipeCondition, err error)
	Sites(ctx context.Context, q postgis.SiteQuery) ([]planning.Site, error)
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
	g.GET("/planning/settings", s.planningSettings)
	g.GET("/areas/suggest", s.suggestAreas, s.heavy())
	g.GET("/areas", s.listAreas)
	g.POST("/areas", s.createArea, s.require(renew.Role.Edits))
	g.GET("/areas/:id", s.getArea)
	g.PATCH("/areas/:id", s.updateArea, s.require(renew.Role.Edits))
	g.DELETE("/areas/:id", s.deleteArea, s.require(renew.Role.Edits))
	g.GET("/areas/:id/report", s.areaReport, s.heavy())
	g.GET("/siting", s.siting, s.heavy())
	g.GET("/parking-gap", s.parkingGap)
	g.GET("/dig-once", s.digOnce, s.require(seesPipeFigures), s.heavy())
	g.GET("/pipelines/condition", s.pipeConditions, s.require(renew.Role.SeesSensitive))
}

func (s *server) planningStore() (PlanningStore, error) {
	st, ok := s.deps.Store.(PlanningStore)
	if !ok {
		return nil, &renew.Error{Kind: renew.ErrUnavailable, Msg: "片区分析不可用 (planning is not configured)"}
	}
	return st, nil
}

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
	st, err := s.planningStore()
	if err != nil {
		return err
	}
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

// feature is a GeoJSON feature with free-form properties.
type feature struct {
	Type       string            `json:"type"`
	ID         any               `json:"id,omitempty"`
	Geometry   *geojson.Geometry `json:"geometry"`
	Properties any               `json:"properties"`
}

func geometryOf(g orb.Geometry) *geojson.Geometry {
	if g == nil {
		return nil
	}
	return geojson.NewGeometry(g)
}

// GET /api/v1/areas/suggest?gap=50&batch=&stage=&min=2 — old communities that touch or lie within
// gap metres of each other, clustered into suggested areas (a GeoJSON FeatureCollection, largest
// first, with members and totals in the properties).
func (s *server) suggestAreas(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	gap, err := planning.ParseGap(c.QueryParam("gap"))
	if err != nil {
		return err
	}
	batches, err := planning.ParseCodes("batch", c.QueryParam("batch"), batchCodes)
	if err != nil {
		return err
	}
	stages, err := planning.ParseCodes("stage", c.QueryParam("stage"), stageCodes)
	if err != nil {
		return err
	}
	minMembers, err := intParam(c, "min", 2, 1, planning.MaxMembers)
	if err != nil {
		return err
	}
	cs, err := st.SuggestAreas(c.Request().Context(), postgis.SuggestQuery{Gap: gap, Batches: batches, Stages: stages})
	if err != nil {
		return err
	}
	sugg := planning.Suggest(cs, minMembers)
	fs := make([]feature, len(sugg))
	for i, sg := range sugg {
		fs[i] = feature{Type: "Feature", ID: i + 1, Geometry: geometryOf(sg.Outline), Properties: sg}
	}
	return c.JSON(http.StatusOK, map[string]any{"type": "FeatureCollection", "gap": gap, "batches": nonNil(batches),
		"stages": nonNil(stages), "min": minMembers, "features": fs})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// areaJSON is an area with its outline as GeoJSON.
type areaJSON struct {
	planning.Area
	// Version is the area's ETag, for the If-Match of a change.
	Version  string            `json:"version"`
	Geometry *geojson.Geometry `json:"geometry,omitempty"`
}

// areaView answers with one area, its version as the ETag.
func areaView(c echo.Context, status int, a planning.Area) error {
	v := versionTag(a.UpdatedAt)
	c.Response().Header().Set("ETag", v)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, areaJSON{a, v, geometryOf(a.Outline)})
}

// GET /api/v1/areas — the saved areas with their members and totals (no outlines: the areas tile
// layer draws them).
func (s *server) listAreas(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	as, err := st.Areas(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]areaJSON, len(as))
	for i, a := range as {
		out[i] = areaJSON{Area: a, Version: versionTag(a.UpdatedAt)}
	}
	return c.JSON(http.StatusOK, map[string]any{"areas": out})
}

func areaID(c echo.Context) (int64, error) { return planning.ParseID("id", c.Param("id")) }

// GET /api/v1/areas/:id — one area with its outline.
func (s *server) getArea(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	id, err := areaID(c)
	if err != nil {
		return err
	}
	a, err := st.Area(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return areaView(c, http.StatusOK, a)
}

type areaRequest struct {
	Name    *string  `json:"name"`
	Members *[]int64 `json:"members"`
	Origin  *string  `json:"origin"`
}

// POST /api/v1/areas {name, members: [community ids], origin?} (planners) — saves an area,
// audited.
func (s *server) createArea(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	var req areaRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Name == nil || req.Members == nil {
		return renew.Invalid("name and members are required")
	}
	name, err := planning.CheckName(*req.Name)
	if err != nil {
		return err
	}
	members, err := planning.CheckMembers(*req.Members)
	if err != nil {
		return err
	}
	origin := "saved"
	if req.Origin != nil {
		origin = *req.Origin
		if !oneOf(origin, planning.Origins) {
			return renew.Invalid("origin: one of suggested, saved, drawn")
		}
	}
	a, err := st.CreateArea(c.Request().Context(), name, origin, members, auditBy(c))
	if err != nil {
		return err
	}
	return areaView(c, http.StatusCreated, a)
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// PATCH /api/v1/areas/:id {name?, members?} with If-Match (planners) — renames an area and/or
// replaces its members, audited with before and after; 412 when the area changed since.
func (s *server) updateArea(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	id, err := areaID(c)
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var req areaRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Origin != nil {
		return renew.Invalid("origin: cannot be changed")
	}
	var ch postgis.AreaChange
	if req.Name != nil {
		n, err := planning.CheckName(*req.Name)
		if err != nil {
			return err
		}
		ch.Name = &n
	}
	if req.Members != nil {
		if ch.Members, err = planning.CheckMembers(*req.Members); err != nil {
			return err
		}
	}
	if ch.Name == nil && ch.Members == nil {
		return renew.Invalid("nothing to change: give name and/or members")
	}
	a, err := st.UpdateArea(c.Request().Context(), id, match, ch, auditBy(c))
	if err != nil {
		return err
	}
	return areaView(c, http.StatusOK, a)
}

// DELETE /api/v1/areas/:id with If-Match (planners) — removes an area, audited; 412 when the
// area changed since.
func (s *server) deleteArea(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	id, err := areaID(c)
	if err != nil {
		return err
	}
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := st.DeleteArea(c.Request().Context(), id, match, auditBy(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// engineCoverer answers planning's coverage questions with the engine's what-if.
type engineCoverer struct{ e *access.Engine }

func (ec engineCoverer) Newly(ctx context.Context, kind string, sites []planning.Site) (map[int64]int, error) {
	p := access.Proposal{Facilities: make([]access.ProposedFacility, len(sites))}
	for i, s := range sites {
		p.Facilities[i] = access.ProposedFacility{Kind: kind, Point: s.Point, Community: s.Community}
	}
	sc, err := ec.e.WhatIf(ctx, p)
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

// kindOf finds a facility kind in the engine.
func kindOf(e *access.Engine, code string) (access.Kind, int, bool) {
	for i, k := range e.Kinds() {
		if k.Code == code {
			return k, i, true
		}
	}
	return access.Kind{}, -1, false
}

// lacking is the households of the communities in scope (nil: all) not covered for kind k.
func lacking(e *access.Engine, k int, scope map[int64]bool) int {
	n := 0
	for _, cc := range e.Coverage().Communities {
		if scope == nil || scope[cc.ID] {
			n += cc.Households - cc.Covered[k]
		}
	}
	return n
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
	st, err := s.planningStore()
	if err != nil {
		return err
	}
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
	q := postgis.SiteQuery{Kind: kindCode, NearM: float64(near)}
	var scope map[int64]bool
	scopeJSON := map[string]any{"type": "district"}
	areaParam, bboxParam := c.QueryParam("area"), c.QueryParam("bbox")
	if areaParam != "" && bboxParam != "" {
		return renew.Invalid("area, bbox: give one or neither")
	}
	if bboxParam != "" {
		b, err := planning.ParseBBox(bboxParam)
		if err != nil {
			return err
		}
		q.BBox = &b
		scopeJSON = map[string]any{"type": "bbox", "bbox": b}
	}
	if areaParam != "" {
		id, err := planning.ParseID("area", areaParam)
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
	res, err := planning.Greedy(ctx, engineCoverer{e}, kindCode, sites, scope, k)
	if err != nil {
		return err
	}
	before := lacking(e, ki, scope)
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
		id, err := planning.ParseID("area", areaParam)
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
		id, err := planning.ParseID("community", commParam)
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
	st, err := s.planningStore()
	if err != nil {
		return err
	}
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
	st, err := s.planningStore()
	if err != nil {
		return err
	}
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

// pipeSummary is the area report's pipeline section.
type pipeSummary struct {
	Year        int                 `json:"year"`
	Groups      []postgis.PipeGroup `json:"groups"`
	ByKind      []planning.Length   `json:"by_kind"`
	ByCondition []planning.Length   `json:"by_condition"`
	ByOperator  []planning.Length   `json:"by_operator"`
	LengthM     float64             `json:"length_m"`
	FailingM    float64             `json:"failing_m"`
}

func summarisePipes(gs []postgis.PipeGroup, year int) (pipeSummary, map[string]float64) {
	ps := pipeSummary{Year: year, Groups: gs}
	failing := map[string]float64{}
	type acc struct {
		l float64
		n int
	}
	sum := func(key func(postgis.PipeGroup) string) []planning.Length {
		m := map[string]*acc{}
		for _, g := range gs {
			k := key(g)
			if m[k] == nil {
				m[k] = &acc{}
			}
			m[k].l += g.LengthM
			m[k].n += g.Pipes
		}
		out := []planning.Length{}
		for k, a := range m {
			out = append(out, planning.Length{Key: k, LengthM: float64(int64(a.l*10+0.5)) / 10, Pipes: a.n})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].LengthM != out[j].LengthM {
				return out[i].LengthM > out[j].LengthM
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	ps.ByKind = sum(func(g postgis.PipeGroup) string { return g.Kind })
	ps.ByCondition = sum(func(g postgis.PipeGroup) string { return g.Condition })
	ps.ByOperator = sum(func(g postgis.PipeGroup) string { return g.Operator })
	for _, g := range gs {
		ps.LengthM += g.LengthM
		ps.FailingM += g.FailingM
		failing[g.Kind] += g.FailingM
	}
	ps.LengthM = float64(int64(ps.LengthM*10+0.5)) / 10
	ps.FailingM = float64(int64(ps.FailingM*10+0.5)) / 10
	return ps, failing
}

// GET /api/v1/areas/:id/report?ratio=&year= — an area's report: members and totals; the facility
// gaps its communities share (coverage per kind from the walk network) with the best candidate
// site for each; the parking gap; the pipelines by kind, condition and operator (roles that see
// pipe figures); candidate sites inside or near; and the estimated cost of the works the gaps call
// for, from the menu's unit costs.
func (s *server) areaReport(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
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
	ids := make([]int64, len(a.Members))
	scope := map[int64]bool{}
	for i, m := range a.Members {
		ids[i] = m.ID
		scope[m.ID] = true
	}
	e, err := s.planningEngine(ctx, st)
	if err != nil {
		return err
	}

	// Facility gaps shared by the members.
	kinds, err := s.kindsWithData(c, e)
	if err != nil {
		return err
	}
	infos := make([]planning.KindInfo, len(kinds))
	for i, k := range kinds {
		infos[i] = planning.KindInfo{Code: k.Kind, Name: k.Name, Level: k.Level, Required: k.Required, NoData: k.NoData}
	}
	var covers []planning.CommunityCover
	for _, m := range a.Members {
		if cc, ok := e.Coverage().Community(m.ID); ok {
			covers = append(covers, planning.CommunityCover{ID: cc.ID, Households: cc.Households, Covered: cc.Covered})
		}
	}
	gaps := planning.AreaGaps(infos, covers)

	// Candidate sites inside or near, and the best one for each shared gap.
	sites, err := st.Sites(ctx, postgis.SiteQuery{Area: id, NearM: set.SiteNearM})
	if err != nil {
		return err
	}
	type gapSite struct {
		Kind  planning.KindInfo `json:"kind"`
		Site  *planning.Site    `json:"site"`
		Newly int               `json:"newly_covered"`
	}
	best := []gapSite{}
	var works []planning.FacilityWork
	// The gaps lacking the most households choose first; a site serves one gap in the estimate
	// (a second facility in the same old boiler house is the planner's call, not the estimate's).
	order := []planning.AreaKind{}
	for _, g := range gaps {
		if g.Gap {
			order = append(order, g)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].Lacking > order[j].Lacking })
	used := map[int64]bool{}
	for _, g := range order {
		var hosts []planning.Site
		for _, s := range sites {
			if oneOf(g.Code, s.Hostable) && !used[s.ID] {
				hosts = append(hosts, s)
			}
		}
		gs := gapSite{Kind: g.KindInfo}
		if len(hosts) > 0 {
			r, err := planning.Greedy(ctx, engineCoverer{e}, g.Code, hosts, scope, 1)
			if err != nil {
				return err
			}
			if len(r.Picks) > 0 {
				site := r.Picks[0].Site
				gs.Site, gs.Newly = &site, r.Picks[0].Newly
				used[site.ID] = true
			}
		}
		best = append(best, gs)
		works = append(works, planning.FacilityWork{Kind: g.Code, KindName: g.Name, Site: gs.Site})
	}

	// Parking.
	ins, err := st.ParkingSupply(ctx, ids)
	if err != nil {
		return err
	}
	prow, ptotal := planning.Gaps(ins, ratio, set.ChargerShare)

	// Pipelines, for the roles that may see them.
	var pipes *pipeSummary
	failing := map[string]float64{}
	if seesPipeFigures(roleOf(c)) {
		gs, err := st.AreaPipelines(ctx, id, year)
		if err != nil {
			return err
		}
		ps, f := summarisePipes(gs, year)
		pipes, failing = &ps, f
	}
	menu, err := st.MenuCosts(ctx)
	if err != nil {
		return err
	}
	est := planning.EstimateWorks(menu, ptotal, failing, works)
	if pipes == nil {
		est.Missing = append(est.Missing, "管线改造费用：当前角色无权查看管线数据")
	}
	return c.JSON(http.StatusOK, map[string]any{
		"area": areaJSON{a, versionTag(a.UpdatedAt), geometryOf(a.Outline)}, "version": e.Version(), "generated_at": time.Now(),
		"gaps": gaps, "gap_sites": best,
		"parking":   map[string]any{"ratio": ratio, "charger_share": set.ChargerShare, "communities": prow, "total": ptotal},
		"pipelines": pipes, "sites": sites, "estimate": est, "settings": set,
	})
}

// pipeConditions answers GET /api/v1/pipelines/condition (the roles that see pipelines): per
// community and per 街道, the pipelines' length by condition and the share poor or critical —
// the dashboard's 管线状况 at district zoom, where the pipes themselves are too small to see.
func (s *server) pipeConditions(c echo.Context) error {
	st, err := s.planningStore()
	if err != nil {
		return err
	}
	comms, subs, err := st.PipeConditions(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"communities": comms, "subdistricts": subs})
}
