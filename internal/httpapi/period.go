package httpapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
	"renewmap/internal/residents"
)

// noticePeriodStore sets a plan notice's 公示期 and feedback channel (postgis.DB).
type noticePeriodStore interface {
	SetNoticePeriod(ctx context.Context, id int, p residents.NoticePeriod, a renew.AuditEntry) error
}

// setNoticePeriod answers PUT /api/v1/plans/:id/notice-period (planners): {opens_on, closes_on,
// feedback}; the public notice then shows them.
func (s *server) setNoticePeriod(c echo.Context) error {
	store, ok := s.deps.Store.(noticePeriodStore)
	if !ok {
		return &renew.Error{Kind: renew.ErrUnavailable, Msg: "居民参与服务未配置 (residents store not configured)"}
	}
	id, err := pathID(c, "id", "方案")
	if err != nil {
		return err
	}
	var req struct {
		OpensOn  string `json:"opens_on"`
		ClosesOn string `json:"closes_on"`
		Feedback string `json:"feedback"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p, err := residents.ParseNoticePeriod(req.OpensOn, req.ClosesOn, req.Feedback)
	if err != nil {
		return err
	}
	if err := store.SetNoticePeriod(c.Request().Context(), int(id), p, auditBy(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
