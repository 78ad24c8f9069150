package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// The 片区 (renovation areas) themselves: suggestions from the old communities' clusters, and the
// saved areas' reading and editing (routesPlanning registers them; the report is in planning.go).

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
	st := s.deps.Planning
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
	cs, err := st.SuggestAreas(c.Request().Context(), planning.SuggestQuery{Gap: gap, Batches: batches, Stages: stages})
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
	st := s.deps.Planning
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

func areaID(c echo.Context) (int64, error) { return pathID(c, "id", "片区") }

// GET /api/v1/areas/:id — one area with its outline.
func (s *server) getArea(c echo.Context) error {
	st := s.deps.Planning
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
	st := s.deps.Planning
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

// areaWrite reads what every change of an area gives: its id and the If-Match version.
func areaWrite(c echo.Context) (int64, *time.Time, error) {
	id, err := areaID(c)
	if err != nil {
		return 0, nil, err
	}
	match, err := ifMatch(c)
	return id, match, err
}

// PATCH /api/v1/areas/:id {name?, members?} with If-Match (planners) — renames an area and/or
// replaces its members, audited with before and after; 412 when the area changed since.
func (s *server) updateArea(c echo.Context) error {
	st := s.deps.Planning
	id, match, err := areaWrite(c)
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
	var ch planning.AreaChange
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
	st := s.deps.Planning
	id, match, err := areaWrite(c)
	if err != nil {
		return err
	}
	if err := st.DeleteArea(c.Request().Context(), id, match, auditBy(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
