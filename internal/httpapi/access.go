package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/access"
	"renewmap/internal/renew"
	"renewmap/internal/topology"
)

// Engines is the walk-network engine holder (access.Holder).
type Engines interface {
	Engine(ctx context.Context) (*access.Engine, error)
	Kick()
	Status() access.Status
	Thresholds() []access.Threshold
	Profiles() []access.Profile
}

// AccessStore is what the coverage and what-if endpoints read and write besides the engine.
type AccessStore interface {
	SubdistrictNames(ctx context.Context) (map[int64]access.Named, error)
	FacilitiesByID(ctx context.Context, ids []int64) (map[int64]access.FacilityInfo, error)
	SaveScenario(ctx context.Context, fs []access.PlannedFacility, ps []access.Passage, a renew.AuditEntry) ([]access.Saved, error)
	NoDataKinds(ctx context.Context) ([]access.Named, error)
	Quality(ctx context.Context, e *access.Engine, opt topology.Options) (access.Quality, error)
}

func (s *server) routesAccess(e *echo.Group) {
	g := e.Group("/api/v1", s.require(nil))
	g.GET("/coverage", s.coverage)
	g.GET("/coverage/complete", s.coverageComplete) // complete.go
	g.GET("/access/status", s.accessStatus)
	g.GET("/communities/:id/access", s.communityAccess)
	// A what-if writes nothing, so every role may ask one (it is a POST: CSRF applies).
	g.POST("/scenarios", s.scenario, s.heavy())
	g.POST("/scenarios/save", s.saveScenario, s.require(renew.Role.Edits), s.heavy())
}

func (s *server) engine(c echo.Context) (*access.Engine, error) {
	if s.deps.Engines == nil {
		return nil, &renew.Error{Kind: renew.ErrUnavailable, Msg: "步行网络未启用 (the walk network is not configured)"}
	}
	return s.deps.Engines.Engine(c.Request().Context())
}

// profileNames are the Chinese names of the walking profiles.
var profileNames = map[string]string{"standard": "标准步速", "winter": "冬季·老年步速"}

type kindJSON struct {
	Kind            string  `json:"kind"`
	Name            string  `json:"name"`
	Level           string  `json:"level"`
	Required        bool    `json:"required"`
	ServiceDistance float64 `json:"service_distance"`
	// NoData: the dataset holds no facility of the kind at all (无数据), so it is never a gap.
	NoData bool `json:"no_data"`
}

func kindsJSON(ks []access.Kind) []kindJSON {
	out := make([]kindJSON, len(ks))
	for i, k := range ks {
		out[i] = kindJSON{Kind: k.Code, Name: k.Name, Level: k.Level, Required: k.Required, ServiceDistance: k.ServiceDistance}
	}
	return out
}

type kindCoverageJSON struct {
	kindJSON
	Households int     `json:"households"`
	Covered    int     `json:"covered"`
	Share      float64 `json:"share"`
}

type areaCoverageJSON struct {
	ID         int64     `json:"id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Households int       `json:"households"`
	Covered    []int     `json:"covered"` // per kind, in the order of kinds
	Share      []float64 `json:"share"`
}

type gapJSON struct {
	Level string     `json:"level"`
	Kinds []kindJSON `json:"kinds"`
}

type communityCoverageJSON struct {
	ID          int64              `json:"id"`
	Code        string             `json:"code"`
	Name        string             `json:"name"`
	Subdistrict int64              `json:"subdistrict"`
	Households  int                `json:"households"`
	Kinds       []kindCoverageJSON `json:"kinds"`
	Gaps        []gapJSON          `json:"gaps"`
}

func share(covered, total int) float64 {
	if total <= 0 {
		return 0
	}
	return float64(covered) / float64(total)
}

func gapsJSON(gs []access.Gap, byCode map[string]kindJSON) []gapJSON {
	out := make([]gapJSON, 0, len(gs))
	for _, g := range gs {
		gj := gapJSON{Level: g.Level, Kinds: []kindJSON{}}
		for _, k := range g.Kinds {
			if !byCode[k].NoData {
				gj.Kinds = append(gj.Kinds, byCode[k])
			}
		}
		if len(gj.Kinds) > 0 {
			out = append(out, gj)
		}
	}
	return out
}

func communityCoverage(e *access.Engine, cc access.CommunityCoverage, kinds []kindJSON) communityCoverageJSON {
	byCode := map[string]kindJSON{}
	for _, k := range kinds {
		byCode[k.Kind] = k
	}
	info, _ := e.CommunityInfo(cc.ID)
	out := communityCoverageJSON{ID: cc.ID, Code: info.Code, Name: info.Name, Subdistrict: cc.Subdistrict,
		Households: cc.Households, Kinds: make([]kindCoverageJSON, len(kinds)), Gaps: gapsJSON(cc.Gaps, byCode)}
	for k, kj := range kinds {
		out.Kinds[k] = kindCoverageJSON{kindJSON: kj, Households: cc.Households, Covered: cc.Covered[k],
			Share: share(cc.Covered[k], cc.Households)}
	}
	return out
}

func (s *server) accessStatus(c echo.Context) error {
	if s.deps.Engines == nil {
		return &renew.Error{Kind: renew.ErrUnavailable, Msg: "步行网络未启用 (the walk network is not configured)"}
	}
	return c.JSON(http.StatusOK, s.deps.Engines.Status())
}

// coverage: GET /api/v1/coverage[?community=ID] — households covered per facility kind for the
// district and per 街道, and for one community with its gaps.
func (s *server) coverage(c echo.Context) error {
	var comm int64
	if v := c.QueryParam("community"); v != "" {
		n, err := parseID("community", "小区", v)
		if err != nil {
			return err
		}
		comm = n
	}
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	cov := e.Coverage()
	kinds, err := s.kindsWithData(c, e)
	if err != nil {
		return err
	}
	body := map[string]any{"version": cov.Version}
	ks := make([]kindCoverageJSON, len(kinds))
	total := 0
	for k, kc := range cov.Kinds {
		ks[k] = kindCoverageJSON{kindJSON: kinds[k], Households: kc.Households, Covered: kc.Covered, Share: kc.Share}
		total = kc.Households
	}
	body["households"], body["kinds"] = total, ks
	names, err := s.deps.AccessStore.SubdistrictNames(c.Request().Context())
	if err != nil {
		return err
	}
	subs := make([]areaCoverageJSON, len(cov.Subdistricts))
	for i, a := range cov.Subdistricts {
		sh := make([]float64, len(a.Covered))
		for k, n := range a.Covered {
			sh[k] = share(n, a.Households)
		}
		subs[i] = areaCoverageJSON{ID: a.ID, Code: names[a.ID].Code, Name: names[a.ID].Name,
			Households: a.Households, Covered: a.Covered, Share: sh}
	}
	body["subdistricts"] = subs
	if comm != 0 {
		cc, ok := cov.Community(comm)
		if !ok {
			return renew.NotFound("community %d is not in the walk network", comm)
		}
		body["community"] = communityCoverage(e, cc, kinds)
	}
	return c.JSON(http.StatusOK, body)
}

type circleJSON struct {
	Profile     string  `json:"profile"`
	ProfileName string  `json:"profile_name"`
	Speed       float64 `json:"speed"` // m/s
	Minutes     int     `json:"minutes"`
	Distance    float64 `json:"distance_m"`
}

type reachedJSON struct {
	Facility int64              `json:"facility"`
	Code     string             `json:"code"`
	Name     string             `json:"name"`
	Status   string             `json:"status"`
	Point    [2]float64         `json:"point"`
	Kind     string             `json:"kind"`
	KindName string             `json:"kind_name"`
	Level    string             `json:"level"`
	Distance float64            `json:"distance_m"`
	Minutes  map[string]float64 `json:"minutes"` // per profile
	InReach  bool               `json:"within_service"`
}

// communityAccess: GET /api/v1/communities/:id/access — the community's circles (distance and
// minutes per level and profile), the facilities within its largest circle with their network
// distances (nearest first), its coverage per kind and its gaps per level.
func (s *server) communityAccess(c echo.Context) error {
	id, err := pathID(c, "id", "小区")
	if err != nil {
		return err
	}
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	if _, ok := e.CommunityInfo(id); !ok {
		return renew.NotFound("community %d is not in the walk network", id)
	}
	ths := s.deps.Engines.Thresholds()
	profiles := s.deps.Engines.Profiles()
	speed := map[string]float64{}
	for _, p := range profiles {
		speed[p.Name] = p.Speed
	}
	circles := make([]circleJSON, len(ths))
	limit := 0.0
	for i, t := range ths {
		circles[i] = circleJSON{t.Profile, profileNames[t.Profile], speed[t.Profile], t.Minutes, t.Distance}
		limit = math.Max(limit, t.Distance)
	}
	reached, err := e.Reach(id, limit)
	if err != nil {
		return err
	}
	ids := make([]int64, len(reached))
	for i, r := range reached {
		ids[i] = r.Facility
	}
	infos, err := s.deps.AccessStore.FacilitiesByID(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	kinds, err := s.kindsWithData(c, e)
	if err != nil {
		return err
	}
	byCode := map[string]kindJSON{}
	for _, k := range kinds {
		byCode[k.Kind] = k
	}
	rs := make([]reachedJSON, 0, len(reached))
	for _, r := range reached {
		f, k := infos[r.Facility], byCode[r.Kind]
		mins := map[string]float64{}
		for _, p := range profiles {
			mins[p.Name] = math.Round(p.Minutes(r.Distance)*10) / 10
		}
		rs = append(rs, reachedJSON{Facility: r.Facility, Code: f.Code, Name: f.Name, Status: f.Status, Point: f.Point,
			Kind: r.Kind, KindName: k.Name, Level: k.Level, Distance: math.Round(r.Distance*10) / 10, Minutes: mins,
			InReach: r.Distance <= k.ServiceDistance})
	}
	cc, _ := e.Coverage().Community(id)
	body := communityCoverage(e, cc, kinds)
	nearest, err := e.NearestDistance(id)
	if err != nil {
		return err
	}
	near := make([]*float64, len(nearest))
	for k, d := range nearest {
		if !math.IsInf(d, 1) {
			v := math.Round(d*10) / 10
			near[k] = &v
		}
	}
	var isolated *access.Isolated
	if iso, ok := e.CommunityIsolation(id); ok {
		isolated = &iso
	}
	return c.JSON(http.StatusOK, map[string]any{
		"version": e.Version(), "community": body, "circles": circles, "reached": rs, "nearest": near,
		"isolated": isolated,
	})
}

// maxScenarioItems caps a what-if request (facilities plus passages).
const maxScenarioItems = 50

// scenarioRequest is the body of POST /api/v1/scenarios and /scenarios/save.
type scenarioRequest struct {
	Facilities []struct {
		Kind      string   `json:"kind"`
		Lon       *float64 `json:"lon"`
		Lat       *float64 `json:"lat"`
		Community int64    `json:"community"`
	} `json:"facilities"`
	Passages []struct {
		Type      string    `json:"type"`
		Community int64     `json:"community"`
		Lon       *float64  `json:"lon"`
		Lat       *float64  `json:"lat"`
		From      []float64 `json:"from"`
		To        []float64 `json:"to"`
	} `json:"passages"`
	// Community, when set, asks for that community's coverage before and after.
	Community int64 `json:"community"`
}

// parseScenario decodes and checks a what-if body: at most maxScenarioItems items, kinds named,
// coordinates present and within lon/lat range, a gate with its community, a path with two
// distinct ends. Whether kinds exist and points lie near the network is the engine's check.
// Every failure is renew.ErrInvalid.
func parseScenario(body []byte) (access.Proposal, int64, error) {
	var req scenarioRequest
	var p access.Proposal
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return p, 0, renew.Invalid("request body: %s", jsonProblem(err))
	}
	if dec.More() {
		return p, 0, renew.Invalid("request body: one JSON object expected")
	}
	if n := len(req.Facilities) + len(req.Passages); n == 0 || n > maxScenarioItems {
		return p, 0, renew.Invalid("a scenario holds 1 to %d facilities and passages", maxScenarioItems)
	}
	if req.Community < 0 {
		return p, 0, renew.Invalid("community: a positive community id")
	}
	for i, f := range req.Facilities {
		if f.Kind == "" || len(f.Kind) > 64 {
			return p, 0, renew.Invalid("facilities[%d].kind: a facility kind code", i)
		}
		if f.Lon == nil || f.Lat == nil || !validLonLat(*f.Lon, *f.Lat) {
			return p, 0, renew.Invalid("facilities[%d]: lon (−180…180) and lat (−90…90) are required", i)
		}
		if f.Community < 0 {
			return p, 0, renew.Invalid("facilities[%d].community: a positive community id", i)
		}
		p.Facilities = append(p.Facilities, access.ProposedFacility{Kind: f.Kind, Point: orb.Point{*f.Lon, *f.Lat}, Community: f.Community})
	}
	for i, ps := range req.Passages {
		switch ps.Type {
		case access.PassageGate:
			if ps.Community < 1 {
				return p, 0, renew.Invalid("passages[%d].community: a gate needs its community's id", i)
			}
			if ps.Lon == nil || ps.Lat == nil || !validLonLat(*ps.Lon, *ps.Lat) || len(ps.From) != 0 || len(ps.To) != 0 {
				return p, 0, renew.Invalid("passages[%d]: a gate needs lon (−180…180) and lat (−90…90), and no from/to", i)
			}
			p.Passages = append(p.Passages, access.Passage{Kind: access.PassageGate, Community: ps.Community, At: orb.Point{*ps.Lon, *ps.Lat}})
		case access.PassagePath:
			if len(ps.From) != 2 || len(ps.To) != 2 || !validLonLat(ps.From[0], ps.From[1]) || !validLonLat(ps.To[0], ps.To[1]) ||
				ps.Lon != nil || ps.Lat != nil || ps.Community != 0 {
				return p, 0, renew.Invalid("passages[%d]: a path needs from and to as [lon, lat], and nothing else", i)
			}
			from, to := orb.Point{ps.From[0], ps.From[1]}, orb.Point{ps.To[0], ps.To[1]}
			if from == to {
				return p, 0, renew.Invalid("passages[%d]: a path's ends must differ", i)
			}
			p.Passages = append(p.Passages, access.Passage{Kind: access.PassagePath, From: from, To: to})
		default:
			return p, 0, renew.Invalid("passages[%d].type: %q or %q", i, access.PassageGate, access.PassagePath)
		}
	}
	return p, req.Community, nil
}

func validLonLat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// readScenario reads the request body (JSON only) and parses it.
func readScenario(c echo.Context) (access.Proposal, int64, error) {
	body, err := readJSON(c, whatIfBody)
	if err != nil {
		return access.Proposal{}, 0, err
	}
	return parseScenario(body)
}

type kindDeltaJSON struct {
	kindJSON
	Households    int     `json:"households"`
	CoveredBefore int     `json:"covered_before"`
	CoveredAfter  int     `json:"covered_after"`
	ShareBefore   float64 `json:"share_before"`
	ShareAfter    float64 `json:"share_after"`
	Newly         int     `json:"newly_covered"`   // households
	Buildings     int     `json:"buildings"`       // buildings newly covered
	BuildingIDs   []int64 `json:"newly_buildings"` // their ids (the map recolours them)
}

type communityDeltaJSON struct {
	ID         int64           `json:"id"`
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Kinds      []kindNewlyJSON `json:"kinds"`
	ClosedGaps []kindJSON      `json:"closed_gaps"`
}

type kindNewlyJSON struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Households int    `json:"households"`
}

// scenario: POST /api/v1/scenarios — the coverage with proposed facilities and passages, and
// what changes; nothing is written.
func (s *server) scenario(c echo.Context) error {
	p, focus, err := readScenario(c)
	if err != nil {
		return err
	}
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	start := time.Now()
	sc, err := e.WhatIf(c.Request().Context(), p)
	if err != nil {
		return err
	}
	took := time.Since(start)
	kinds := kindsJSON(e.Kinds())
	byCode := map[string]kindJSON{}
	for _, k := range kinds {
		byCode[k.Kind] = k
	}
	base := e.Coverage()
	ks := make([]kindDeltaJSON, len(kinds))
	for k := range kinds {
		b, a := base.Kinds[k], sc.Coverage.Kinds[k]
		ks[k] = kindDeltaJSON{kindJSON: kinds[k], Households: b.Households, CoveredBefore: b.Covered, CoveredAfter: a.Covered,
			ShareBefore: b.Share, ShareAfter: a.Share, Newly: sc.Delta.Kinds[k].Households, Buildings: sc.Delta.Kinds[k].Buildings,
			BuildingIDs: append([]int64{}, sc.Delta.Kinds[k].BuildingIDs...)}
	}
	comms := make([]communityDeltaJSON, 0, len(sc.Delta.Communities))
	for _, cd := range sc.Delta.Communities {
		info, _ := e.CommunityInfo(cd.ID)
		j := communityDeltaJSON{ID: cd.ID, Code: info.Code, Name: info.Name, Kinds: []kindNewlyJSON{}, ClosedGaps: []kindJSON{}}
		for _, kd := range cd.Kinds {
			j.Kinds = append(j.Kinds, kindNewlyJSON{kd.Kind, byCode[kd.Kind].Name, kd.Households})
		}
		for _, g := range cd.ClosedGaps {
			j.ClosedGaps = append(j.ClosedGaps, byCode[g])
		}
		comms = append(comms, j)
	}
	body := map[string]any{"version": e.Version(), "elapsed_ms": float64(took.Microseconds()) / 1000,
		"kinds": ks, "communities": comms, "buildings": sc.Delta.Buildings, "writes": false}
	if focus != 0 {
		before, ok := base.Community(focus)
		if !ok {
			return renew.Invalid("community: %d is not in the walk network", focus)
		}
		after, _ := sc.Coverage.Community(focus)
		body["community"] = map[string]any{
			"before": communityCoverage(e, before, kinds), "after": communityCoverage(e, after, kinds)}
	}
	// The map's part: what each proposed facility serves, and, when passages change the walk
	// network, the focus community's circles redrawn with them.
	circleFocus := int64(0)
	if focus != 0 && len(p.Passages) > 0 {
		circleFocus = focus
	}
	circles, served, err := e.WhatIfCircles(c.Request().Context(), p, circleFocus, s.deps.Engines.Thresholds())
	if err != nil {
		return err
	}
	sfc := geojson.NewFeatureCollection()
	for i, sv := range served {
		f := geojson.NewFeature(access.Band(sv.Pieces, access.CircleBand, nil, nil))
		k := byCode[p.Facilities[i].Kind]
		f.Properties = geojson.Properties{"facility": i, "kind": k.Kind, "name": k.Name, "service_distance": sv.Distance}
		sfc.Append(f)
	}
	body["served"] = sfc
	if circleFocus != 0 {
		cfc := geojson.NewFeatureCollection()
		for _, ci := range circles {
			f := geojson.NewFeature(ci.Polygon())
			f.Properties = geojson.Properties{"community_id": ci.Community, "minutes": ci.Minutes, "distance_m": ci.Distance, "profile": ci.Profile}
			cfc.Append(f)
		}
		body["circles"] = cfc
	}
	return c.JSON(http.StatusOK, body)
}

// saveScenario: POST /api/v1/scenarios/save (planners and admins) — writes the proposal (see
// AccessStore.SaveScenario), audited, after checking it the way a what-if does; the engine then
// rebuilds from the changed data.
func (s *server) saveScenario(c echo.Context) error {
	p, _, err := readScenario(c)
	if err != nil {
		return err
	}
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	if _, err := e.WhatIf(c.Request().Context(), p); err != nil {
		return err
	}
	names := map[string]string{}
	for _, k := range e.Kinds() {
		names[k.Code] = k.Name
	}
	fs := make([]access.PlannedFacility, len(p.Facilities))
	for i, f := range p.Facilities {
		fs[i] = access.PlannedFacility{Kind: f.Kind, KindName: names[f.Kind], Community: f.Community, Point: f.Point}
	}
	a := auditBy(c)
	a.Action = "scenario_save"
	saved, err := s.deps.AccessStore.SaveScenario(c.Request().Context(), fs, p.Passages, a)
	if err != nil {
		return err
	}
	s.deps.Engines.Kick()
	return c.JSON(http.StatusCreated, map[string]any{"saved": saved})
}
