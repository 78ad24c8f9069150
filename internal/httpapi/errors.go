package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// errorKinds maps the domain's error kinds to a status and a code; the message shown when the
// error carries no user-safe message of its own is the catalogue's for the code.
var errorKinds = []struct {
	kind   error
	status int
	code   string
}{
	{renew.ErrInvalid, http.StatusBadRequest, "invalid"},
	{renew.ErrNotFound, http.StatusNotFound, "not_found"},
	{renew.ErrConflict, http.StatusConflict, "conflict"},
	{renew.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{renew.ErrForbidden, http.StatusForbidden, "forbidden"},
	{renew.ErrStale, http.StatusPreconditionFailed, "precondition_failed"},
	{renew.ErrVersionRequired, http.StatusPreconditionRequired, "precondition_required"},
	{renew.ErrRateLimited, http.StatusTooManyRequests, "too_many_requests"},
	{renew.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "timeout"},
}

// echoCodes names the statuses Echo itself produces (routing, body limit, …).
var echoCodes = map[int]string{
	http.StatusBadRequest:            "invalid",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusTooManyRequests:       "too_many_requests",
	http.StatusServiceUnavailable:    "unavailable",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
}

// retryAfterSeconds is what a 503 tells clients to wait: about one pool health-check period.
const retryAfterSeconds = "5"

// classify decides status and body for err. The message is the catalogue's Chinese text (see
// messages.go); the message of a 5xx is generic unless the service raised the 503 itself.
func classify(err error) (int, apiError) {
	for _, k := range errorKinds {
		if errors.Is(err, k.kind) {
			msg := messages.Code(k.code)
			// A 4xx says what was wrong; of the 503s, one the service raised itself says why (busy,
			// not configured), while a database fault (no message of its own) stays generic.
			if k.status < 500 || k.kind == renew.ErrUnavailable {
				if m, ok := messages.Text(err); ok {
					msg = m
				}
			}
			return k.status, apiError{Error: msg, Code: k.code}
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && (he.Code < 500 || he.Code == http.StatusServiceUnavailable) {
		code := echoCodes[he.Code]
		if code == "" {
			code = "error"
		}
		msg := messages.Code(code)
		if s, ok := he.Message.(string); ok && he.Code < 500 {
			if m, ok := messages.User(&renew.Error{Msg: s}); ok {
				msg = m
			}
		}
		return he.Code, apiError{Error: msg, Code: code}
	}
	return http.StatusInternalServerError, apiError{Error: messages.Code("internal"), Code: "internal"}
}

// handleError is the Echo HTTPErrorHandler: one place that logs server faults and writes the
// JSON error. A client that went away is not a fault.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := classify(err)
	if status >= 500 && !errors.Is(err, context.Canceled) {
		s.log.ErrorContext(c.Request().Context(), "request failed",
			"method", c.Request().Method, "path", c.Request().URL.Path, "status", status, "err", err)
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", retryAfterSeconds)
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(status)
	} else if wantsErrorPage(c, status) {
		err = writeErrorPage(c, status)
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		s.log.Warn("write error response", "err", err)
	}
}
