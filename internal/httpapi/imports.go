package httpapi

import (
	"context"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"renewmap/internal/ingest"
	"renewmap/internal/renew"
)

// Importer holds uploads and runs imports of foreign files in the background (docs/import.md);
// postgis.DB implements it.
type Importer interface {
	UploadImport(ctx context.Context, a renew.AuditEntry, name string, data []byte) (*ingest.Upload, error)
	ProposeImport(ctx context.Context, id int64, layer string) (*ingest.LayerProposal, error)
	PreviewImport(ctx context.Context, id int64, mapping []byte) (*ingest.ImportPreview, error)
	StartImport(ctx context.Context, a renew.AuditEntry, id int64, mapping []byte) error
	ImportJob(ctx context.Context, id int64) (ingest.ImportJob, error)
}

// routesImports: the import page's API, for planners and admins. An upload is the request body
// (at most maxBodyBytes), named by ?name=. Reading a file runs GDAL: those requests take a heavy
// slot; the background imports queue on the store's import lock.
func (s *server) routesImports(g *echo.Group) {
	edit := s.require(renew.Role.Edits)
	g.POST("/api/v1/imports", s.uploadImport, edit, s.heavy())
	g.POST("/api/v1/imports/:id/propose", s.proposeImport, edit, s.heavy())
	g.POST("/api/v1/imports/:id/preview", s.previewImport, edit, s.heavy())
	g.POST("/api/v1/imports/:id/run", s.runImport, edit)
	g.GET("/api/v1/imports/:id", s.importJob, edit)
}

func (s *server) importer() (Importer, error) {
	if s.deps.Imports == nil {
		return nil, &renew.Error{Kind: renew.ErrUnavailable, Msg: "导入服务未启用 (imports are not available)"}
	}
	return s.deps.Imports, nil
}

func (s *server) uploadImport(c echo.Context) error {
	im, err := s.importer()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(c.Request().Body, ingest.MaxUploadBytes+1))
	if err != nil {
		return renew.Invalid("上传未完成 (the upload was cut off)")
	}
	up, err := im.UploadImport(c.Request().Context(), auditBy(c), c.QueryParam("name"), data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, up)
}

// importTask is the preamble of the handlers of one upload: the importer and the upload's id.
func (s *server) importTask(c echo.Context) (Importer, int64, error) {
	im, err := s.importer()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(c, "id", "导入任务")
	return im, id, err
}

// mappingBody reads {"mapping": "YAML or JSON text"}.
func mappingBody(c echo.Context) ([]byte, error) {
	var body struct {
		Mapping string `json:"mapping"`
	}
	if err := bindJSON(c, &body); err != nil {
		return nil, err
	}
	if body.Mapping == "" {
		return nil, renew.Invalid(`请求须为 {"mapping": "…"} (want {"mapping": "the mapping as YAML or JSON"})`)
	}
	return []byte(body.Mapping), nil
}

func (s *server) previewImport(c echo.Context) error {
	im, id, err := s.importTask(c)
	if err != nil {
		return err
	}
	m, err := mappingBody(c)
	if err != nil {
		return err
	}
	pv, err := im.PreviewImport(c.Request().Context(), id, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pv)
}

func (s *server) runImport(c echo.Context) error {
	im, id, err := s.importTask(c)
	if err != nil {
		return err
	}
	m, err := mappingBody(c)
	if err != nil {
		return err
	}
	queued, err := s.queueImport(c, id, m)
	if err != nil {
		return err
	}
	if !queued {
		if err := im.StartImport(c.Request().Context(), auditBy(c), id, m); err != nil {
			return err
		}
	}
	job, err := im.ImportJob(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, job)
}

// queueImport puts a planner's import in the approval queue when an admin requires approval of
// imports, and says whether it did.
func (s *server) queueImport(c echo.Context, id int64, mapping []byte) (bool, error) {
	store := s.deps.Edits
	if store == nil || roleOf(c) == renew.RoleAdmin {
		return false, nil
	}
	set, err := store.ApprovalSettings(c.Request().Context())
	if err != nil || !set.Import {
		return false, err
	}
	_, err = store.RequestImport(c.Request().Context(), auditBy(c), id, mapping)
	return err == nil, err
}

func (s *server) importJob(c echo.Context) error {
	im, id, err := s.importTask(c)
	if err != nil {
		return err
	}
	job, err := im.ImportJob(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, job)
}

// proposeImport proposes a mapping for another layer: {"layer": "…"}.
func (s *server) proposeImport(c echo.Context) error {
	im, id, err := s.importTask(c)
	if err != nil {
		return err
	}
	var body struct {
		Layer string `json:"layer"`
	}
	if err := bindJSON(c, &body); err != nil {
		return err
	}
	if body.Layer == "" {
		return renew.Invalid(`请求须为 {"layer": "…"} (want {"layer": "a layer of the upload"})`)
	}
	p, err := im.ProposeImport(c.Request().Context(), id, body.Layer)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
