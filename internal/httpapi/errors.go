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

// errorKinds maps the domain's error kinds to a status, a code and the message shown when the
// error carries no user-safe message of its own.
var errorKinds = []struct {
	kind   error
	status int
	code   string
	msg    string
}{
	{renew.ErrInvalid, http.StatusBadRequest, "invalid", "请求参数无效 (invalid request)"},
	{renew.ErrNotFound, http.StatusNotFound, "not_found", "未找到 (not found)"},
	{renew.ErrConflict, http.StatusConflict, "conflict", "与现有数据冲突 (conflict)"},
	{renew.ErrUnauthorized, http.StatusUnauthorized, "unauthorized", "请先登录 (login required)"},
	{renew.ErrForbidden, http.StatusForbidden, "forbidden", "没有权限 (forbidden)"},
	{renew.ErrStale, http.StatusPreconditionFailed, "precondition_failed", "数据已被他人修改，请刷新后重试"},
	{renew.ErrVersionRequired, http.StatusPreconditionRequired, "precondition_required", "缺少版本号（If-Match），请刷新后重试"},
	{renew.ErrRateLimited, http.StatusTooManyRequests, "too_many_requests", "尝试次数过多，请稍后再试 (too many attempts)"},
	{renew.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "数据库暂时不可用，请稍后重试 (service unavailable, retry later)"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "timeout", "请求超时，请稍后重试 (request timed out)"},
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

// classify decides status and body for err. The message of a 5xx is always generic.
func classify(err error) (int, apiError) {
	for _, k := range errorKinds {
		if errors.Is(err, k.kind) {
			msg := k.msg
			if m := renew.UserMessage(err); m != "" && k.status < 500 {
				msg = m
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
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && he.Code < 500 {
			msg = s
		}
		return he.Code, apiError{Error: msg, Code: code}
	}
	return http.StatusInternalServerError, apiError{Error: "服务器内部错误 (internal error)", Code: "internal"}
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
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		s.log.Warn("write error response", "err", err)
	}
}
