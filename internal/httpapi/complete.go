package httpapi

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// completeJSON is, for one community or 街道, the households whose buildings reach every
// required facility kind (配套齐全) and their share, and the share of required kinds its
// households reach on average (配套完整度, household-weighted) — in old districts hardly a
// building reaches all of them, so the second tells areas apart where the first is 0.
type completeJSON struct {
	ID            int64   `json:"id"`
	Households    int     `json:"households"`
	Complete      int     `json:"complete"`
	Share         float64 `json:"share"`
	RequiredShare float64 `json:"required_share"`
	reached       float64 // households × required kinds reached / required kinds
}

// coverageComplete answers GET /api/v1/coverage/complete: per community and per 街道, the share
// of households with all required kinds within reach — one colour per area on the dashboard
// instead of every building's circles.
func (s *server) coverageComplete(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	cov := e.Coverage()
	subOf := make(map[int64]int64, len(cov.Communities))
	for _, cc := range cov.Communities {
		subOf[cc.ID] = cc.Subdistrict
	}
	required := 0
	for _, k := range e.Kinds() {
		if k.Required {
			required++
		}
	}
	comms, subs := map[int64]*completeJSON{}, map[int64]*completeJSON{}
	add := func(m map[int64]*completeJSON, id int64, hh, missing int) {
		if id == 0 {
			return
		}
		a := m[id]
		if a == nil {
			a = &completeJSON{ID: id}
			m[id] = a
		}
		a.Households += hh
		if missing == 0 {
			a.Complete += hh
		}
		if required > 0 {
			a.reached += float64(hh) * float64(required-missing) / float64(required)
		}
	}
	for _, b := range cov.Buildings {
		add(comms, b.Community, b.Households, b.Missing)
		add(subs, subOf[b.Community], b.Households, b.Missing)
	}
	list := func(m map[int64]*completeJSON) []completeJSON {
		out := make([]completeJSON, 0, len(m))
		for _, a := range m {
			if a.Households > 0 {
				a.Share = float64(a.Complete) / float64(a.Households)
				a.RequiredShare = a.reached / float64(a.Households)
			}
			out = append(out, *a)
		}
		slices.SortFunc(out, func(a, b completeJSON) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	return c.JSON(http.StatusOK, map[string]any{"version": cov.Version, "communities": list(comms), "subdistricts": list(subs)})
}
