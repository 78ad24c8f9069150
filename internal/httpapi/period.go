package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"renewmap/internal/residents"
)

// setNoticePeriod answers PUT /api/v1/plans/:id/notice-period (planners): {opens_on, closes_on,
// feedback}; the public notice then shows them.
func (r *residentsAPI) setNoticePeriod(c echo.Context) error {
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
	if err := r.store.SetNoticePeriod(c.Request().Context(), int(id), p, auditBy(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
