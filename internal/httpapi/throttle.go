package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// loginThrottles: GET /api/v1/login-throttle — the failed-login counts of the current windows
// (per account and address, per account, per address) and until when each refuses checks.
func (s *server) loginThrottles(c echo.Context) error {
	ts, err := s.deps.Auth.Throttles(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"throttles": ts})
}

// unlockUser: POST /api/v1/users/:username/unlock — forget the account's failed logins, audited.
func (s *server) unlockUser(c echo.Context) error {
	n, err := s.deps.Auth.Unlock(c.Request().Context(), c.Param("username"), auditBy(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"cleared": n})
}
