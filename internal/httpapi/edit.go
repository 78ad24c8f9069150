package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/geojson"

	"renewmap/internal/ingest"
	"renewmap/internal/planning"
	"renewmap/internal/renew"
)

// EditStore is what the map's editing endpoints need (Deps.Edits).
type EditStore interface {
	MapFeature(ctx context.Context, layer string, id int64) (renew.MapFeature, error)
	EditFeature(ctx context.Context, e renew.Edit, who renew.Editor) (renew.MapFeature, error)
	FeatureHistory(ctx context.Context, layer string, id int64) ([]renew.FeatureEdit, error)
	RestoreFeature(ctx context.Context, layer string, id, entry int64, ifMatch string, who renew.Editor) (renew.MapFeature, error)
	ProposeOutlines(ctx context.Context, opt planning.OutlineOptions) ([]planning.Outline, error)
	SaveOutlines(ctx context.Context, outlines []planning.Outline, a renew.AuditEntry) ([]string, []planning.Outline, error)
	EditZones(ctx context.Context, username string) ([]string, error)
	SetEditZones(ctx context.Context, username string, codes []string, a renew.AuditEntry) error
	ApprovalSettings(ctx context.Context) (renew.ApprovalSettings, error)
	SetApprovalSettings(ctx context.Context, s renew.ApprovalSettings, a renew.AuditEntry) error
	RequestImport(ctx context.Context, a renew.AuditEntry, id int64, mapping []byte) (int64, error)
	RequestConfirm(ctx context.Context, id int64, ifMatch string, who renew.Editor) (int64, error)
	Approvals(ctx context.Context) ([]renew.ApprovalRequest, error)
	Decide(ctx context.Context, id int64, approve bool, reason string, a renew.AuditEntry) error
}

func (s *server) routesEdit(g *echo.Group) {
	h := &editAPI{s: s, store: s.deps.Edits}
	ready := available(h.store != nil, renew.ErrUnavailable)
	edit := s.require(renew.Role.Edits)
	g.GET("/api/v1/edit/schema", h.schema, edit) // from the catalogue and the importer's schema
	g.GET("/api/v1/edit/:layer/:id", ready(h.get), edit)
	g.POST("/api/v1/edit/:layer", ready(h.create), edit)
	g.PUT("/api/v1/edit/:layer/:id", ready(h.update), edit)
	g.DELETE("/api/v1/edit/:layer/:id", ready(h.remove), edit)
	g.POST("/api/v1/edit/:layer/:id/confirm", ready(h.confirm), edit)
	g.GET("/api/v1/edit/:layer/:id/history", ready(h.history), edit)
	g.POST("/api/v1/edit/:layer/:id/restore", ready(h.restore), edit)
	g.GET("/api/v1/outlines/proposals", ready(h.proposals), edit)
	g.POST("/api/v1/outlines/proposals/save", ready(h.saveProposals), s.require(renew.Role.Administers))
	g.GET("/api/v1/edit-zones/:user", ready(h.zones), s.require(renew.Role.Administers))
	g.PUT("/api/v1/edit-zones/:user", ready(h.setZones), s.require(renew.Role.Administers))
	g.GET("/api/v1/approvals", ready(h.approvals), s.require(renew.Role.Administers))
	g.PUT("/api/v1/approvals/settings", ready(h.setApprovals), s.require(renew.Role.Administers))
	g.POST("/api/v1/approvals/:id/approve", ready(h.decide(true)), s.require(renew.Role.Administers))
	g.POST("/api/v1/approvals/:id/reject", ready(h.decide(false)), s.require(renew.Role.Administers))
}

type editAPI struct {
	s     *server
	store EditStore
}

// featureBody is what a create or update sends: importer property names and a GeoJSON geometry,
// either optional on an update.
type featureBody struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Geometry   json.RawMessage            `json:"geometry"`
}

// target reads :layer and :id.
func target(c echo.Context) (string, int64, error) {
	layer := c.Param("layer")
	if !renew.Editable(layer) {
		return "", 0, renew.NotFound("不能在地图上编辑图层 %q；可编辑：%s", layer, strings.Join(renew.EditLayers, ", "))
	}
	if c.Param("id") == "" {
		return layer, 0, nil
	}
	id, err := pathID(c, "id", "要素")
	return layer, id, err
}

// editor is who asks: admins edit everywhere, planners within their edit zones.
func editor(c echo.Context) renew.Editor {
	return renew.Editor{Audit: auditBy(c), Limited: roleOf(c) != renew.RoleAdmin}
}

func (h *editAPI) answer(c echo.Context, status int, f renew.MapFeature, err error) error {
	if errors.Is(err, renew.ErrFeatureChanged) {
		return c.JSON(http.StatusPreconditionFailed, apiError{Error: renew.ErrFeatureChanged.Msg, Code: "precondition_failed"})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if f.ID == 0 {
		return c.NoContent(http.StatusNoContent)
	}
	c.Response().Header().Set("ETag", f.Version)
	return c.JSON(status, f)
}

func (h *editAPI) get(c echo.Context) error {
	layer, id, err := target(c)
	if err != nil {
		return err
	}
	f, err := h.store.MapFeature(c.Request().Context(), layer, id)
	return h.answer(c, http.StatusOK, f, err)
}

// change runs one edit of the feature named by the path, with the body and If-Match.
func (h *editAPI) change(c echo.Context, status int, e renew.Edit, body bool) error {
	layer, id, err := target(c)
	if err != nil {
		return err
	}
	e.Layer, e.ID, e.IfMatch = layer, id, strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if e.IfMatch == "*" {
		e.IfMatch = ""
	}
	if body {
		var b featureBody
		if err := bindJSON(c, &b); err != nil {
			return err
		}
		e.Properties, e.Geometry = b.Properties, b.Geometry
		if id == 0 && len(b.Geometry) == 0 {
			return renew.Invalid("新要素须有图形 (geometry is required)")
		}
	}
	f, err := h.store.EditFeature(c.Request().Context(), e, editor(c))
	return h.answer(c, status, f, err)
}

func (h *editAPI) create(c echo.Context) error {
	return h.change(c, http.StatusCreated, renew.Edit{}, true)
}

func (h *editAPI) update(c echo.Context) error {
	return h.change(c, http.StatusOK, renew.Edit{}, true)
}

func (h *editAPI) remove(c echo.Context) error {
	return h.change(c, http.StatusOK, renew.Edit{Delete: true}, false)
}

// confirm confirms a provisional outline, or, for a planner when an admin requires approval of
// confirmations, queues it (202).
func (h *editAPI) confirm(c echo.Context) error {
	if roleOf(c) != renew.RoleAdmin {
		set, err := h.store.ApprovalSettings(c.Request().Context())
		if err != nil {
			return err
		}
		if set.Outline {
			layer, id, err := target(c)
			if err != nil {
				return err
			}
			if layer != "communities" {
				return renew.Invalid("只有小区轮廓可以确认 (only a community outline is confirmed)")
			}
			req, err := h.store.RequestConfirm(c.Request().Context(), id, strings.TrimSpace(c.Request().Header.Get("If-Match")), editor(c))
			if errors.Is(err, renew.ErrFeatureChanged) {
				return h.answer(c, 0, renew.MapFeature{}, err)
			}
			if err != nil {
				return err
			}
			return c.JSON(http.StatusAccepted, map[string]any{"pending": true, "request": req,
				"message": "已提交管理员审批；批准后轮廓即确认"})
		}
	}
	return h.change(c, http.StatusOK, renew.Edit{Confirm: true}, false)
}

// approvals: GET /api/v1/approvals (admin) — the settings and the queue.
func (h *editAPI) approvals(c echo.Context) error {
	set, err := h.store.ApprovalSettings(c.Request().Context())
	if err != nil {
		return err
	}
	reqs, err := h.store.Approvals(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"settings": set, "requests": reqs})
}

// setApprovals: PUT /api/v1/approvals/settings (admin) — {"import": bool, "outline": bool}.
func (h *editAPI) setApprovals(c echo.Context) error {
	var set renew.ApprovalSettings
	if err := bindJSON(c, &set); err != nil {
		return err
	}
	if err := h.store.SetApprovalSettings(c.Request().Context(), set, auditBy(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, set)
}

// decide: POST /api/v1/approvals/{id}/approve or /reject (admin), with an optional
// {"reason": "…"}.
func (h *editAPI) decide(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id", "审批请求")
		if err != nil {
			return err
		}
		var body struct {
			Reason string `json:"reason"`
		}
		if c.Request().ContentLength != 0 {
			if err := bindJSON(c, &body); err != nil {
				return err
			}
		}
		if len([]rune(body.Reason)) > 500 {
			return renew.Invalid("reason: 不超过 500 字")
		}
		if err := h.store.Decide(c.Request().Context(), id, approve, strings.TrimSpace(body.Reason), auditBy(c)); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

func (h *editAPI) history(c echo.Context) error {
	layer, id, err := target(c)
	if err != nil {
		return err
	}
	hist, err := h.store.FeatureHistory(c.Request().Context(), layer, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"history": hist})
}

func (h *editAPI) restore(c echo.Context) error {
	layer, id, err := target(c)
	if err != nil {
		return err
	}
	var req struct {
		Entry int64 `json:"entry"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Entry < 1 {
		return renew.Invalid("entry: 应为历史记录的编号 (a history entry id)")
	}
	f, err := h.store.RestoreFeature(c.Request().Context(), layer, id, req.Entry,
		strings.TrimSpace(c.Request().Header.Get("If-Match")), editor(c))
	return h.answer(c, http.StatusOK, f, err)
}

// schemaField is one property of an edit layer as the map's form shows it.
type schemaField struct {
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	Kind     string   `json:"kind"` // string, integer, number, boolean, date, enum, ref, enum_array
	Required bool     `json:"required"`
	Enum     string   `json:"enum,omitempty"` // the /api/v1/labels list of its codes
	Ref      string   `json:"ref,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Default  any      `json:"default,omitempty"` // what a new feature gets when the form leaves it out
}

// fieldTitles names the importer's properties that no tile layer shows.
var fieldTitles = map[string]string{
	"code": "编码", "community": "所属小区", "subdistrict": "街道", "neighbourhood": "社区", "address": "地址",
	"width_m": "宽度（m）", "name": "名称",
}

var kindNames = map[ingest.Kind]string{
	ingest.KindString: "string", ingest.KindInt: "integer", ingest.KindNumber: "number", ingest.KindBool: "boolean",
	ingest.KindDate: "date", ingest.KindEnum: "enum", ingest.KindRef: "ref", ingest.KindEnumArray: "enum_array",
}

// schema describes the edit layers' properties for the map's form: the importer's fields with
// the Chinese titles of the layer catalogue.
func (h *editAPI) schema(c echo.Context) error {
	out := map[string]any{}
	for _, name := range renew.EditLayers {
		lay := ingest.LayerByName(name)
		titles := map[string]string{}
		if tl := h.s.deps.Catalogue.Layer(name); tl != nil {
			for _, p := range tl.Properties {
				titles[p.Name] = p.Title
			}
		}
		var fields []schemaField
		for _, f := range lay.Fields {
			sf := schemaField{Name: f.Name, Title: titles[f.Name], Kind: kindNames[f.Kind], Required: f.Required, Enum: f.Enum,
				Ref: f.Ref, Default: f.Default}
			if sf.Title == "" {
				sf.Title = fieldTitles[f.Name]
			}
			if sf.Title == "" {
				sf.Title = f.Name
			}
			if f.Range.HasMin {
				sf.Min = &f.Range.Min
			}
			if f.Range.HasMax {
				sf.Max = &f.Range.Max
			}
			fields = append(fields, sf)
		}
		out[name] = map[string]any{"geometry": lay.Geometry, "fields": fields}
	}
	return c.JSON(http.StatusOK, out)
}

func (h *editAPI) zones(c echo.Context) error {
	z, err := h.store.EditZones(c.Request().Context(), c.Param("user"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"subdistricts": z})
}

func (h *editAPI) setZones(c echo.Context) error {
	var req struct {
		Subdistricts []string `json:"subdistricts"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Subdistricts == nil {
		req.Subdistricts = []string{}
	}
	if err := h.store.SetEditZones(c.Request().Context(), c.Param("user"), req.Subdistricts, auditBy(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"subdistricts": req.Subdistricts})
}

// proposals: GET /api/v1/outlines/proposals — street blocks no community covers, as GeoJSON, for
// the map to show as proposed outlines (docs/editing.md).
func (h *editAPI) proposals(c echo.Context) error {
	out, err := h.store.ProposeOutlines(c.Request().Context(), planning.OutlineOptions{})
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for i, o := range out {
		f := geojson.NewFeature(o.Geometry)
		f.ID = i + 1
		f.Properties = geojson.Properties{"area_m2": math.Round(o.AreaM2), "subdistrict": o.Subdistrict,
			"streets": o.Streets, "names": o.Names, "year": o.Year}
		fc.Append(f)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, fc)
}

// saveProposals: POST /api/v1/outlines/proposals/save (admin) — stores the current proposals that
// have a completed year as provisional (待核实) communities for planners to confirm.
func (h *editAPI) saveProposals(c echo.Context) error {
	ctx := c.Request().Context()
	out, err := h.store.ProposeOutlines(ctx, planning.OutlineOptions{})
	if err != nil {
		return err
	}
	saved, skipped, err := h.store.SaveOutlines(ctx, out, auditBy(c))
	if err != nil {
		return err
	}
	if saved == nil {
		saved = []string{}
	}
	return c.JSON(http.StatusOK, map[string]any{"saved": saved, "skipped": len(skipped)})
}
