package httpapi

import (
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// heavyWait is how long an expensive request waits for a free slot before it is turned away.
const heavyWait = 2 * time.Second

// heavy caps the expensive requests (what-ifs, exports) running at once, so one user's burst
// cannot starve the others: beyond the cap a request waits briefly, then gets 503 with
// Retry-After and a message saying the service is busy.
func (s *server) heavy() echo.MiddlewareFunc {
	return s.slots("heavy", s.heavySlots, heavyWait, "服务繁忙，请稍后重试 (busy: too many analyses or exports at once)")
}

// slots lets a request run while it holds one of the tokens of sem, waiting up to wait for one;
// then it is refused with 503 (Retry-After) and busy as the message. name labels the cap's
// metrics (waiting, refused).
func (s *server) slots(name string, sem chan struct{}, wait time.Duration, busy string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			t := time.NewTimer(wait)
			defer t.Stop()
			s.metrics.Waiting(name, 1)
			select {
			case sem <- struct{}{}:
				s.metrics.Waiting(name, -1)
			case <-t.C:
				s.metrics.Waiting(name, -1)
				s.metrics.Refused(name)
				return &renew.Error{Kind: renew.ErrUnavailable, Msg: busy}
			case <-c.Request().Context().Done():
				s.metrics.Waiting(name, -1)
				return c.Request().Context().Err()
			}
			defer func() { <-sem }()
			return next(c)
		}
	}
}
