package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"

	"renewmap/internal/config"
	"renewmap/internal/renew"
)

func newTestServer(ready func(context.Context) error) *echo.Echo {
	cfg := config.Default()
	cfg.DatabaseURL = "postgres://unused"
	return New(cfg, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: ready})
}

// Every error reaches the client as JSON {"error","code"} with the right status, and a server
// fault never shows its text (which may hold SQL).
func TestErrorResponses(t *testing.T) {
	sqlErr := &pgconn.PgError{Code: "42P01", Message: `relation "secret_table" does not exist`}
	tests := []struct {
		name       string
		err        error
		status     int
		code       string
		wantInBody string
	}{
		{"invalid with message", renew.Invalid("ratio: spaces per household, more than 0 and at most %g", 5.0), 400, "invalid", "车位配比"},
		{"invalid, unknown message", renew.Invalid("bbox: expected 4 numbers"), 400, "invalid", "请求参数无效"},
		{"not found", fmt.Errorf("get: %w", renew.ErrNotFound), 404, "not_found", "未找到"},
		{"conflict", renew.Conflict("“%s”已有改造方案（一小区一方案）", "铁路小区"), 409, "conflict", "铁路小区"},
		{"unavailable hides detail", fmt.Errorf("query: %w: %w", renew.ErrUnavailable, errors.New("dial tcp 10.0.0.1:5432")), 503, "unavailable", "稍后重试"},
		{"busy says so, not the database", &renew.Error{Kind: renew.ErrUnavailable, Msg: "服务繁忙，请稍后重试 (busy: too many analyses or exports at once)"}, 503, "unavailable", "服务繁忙"},
		{"walk network down hides its cause", fmt.Errorf("%w: %v", &renew.Error{Kind: renew.ErrUnavailable, Msg: "步行网络暂不可用 (the walk network is not available)"}, errors.New("dial tcp 10.0.0.1:5432")), 503, "unavailable", "步行网络暂不可用"},
		{"timeout", context.DeadlineExceeded, 503, "timeout", "超时"},
		{"sql error is generic", fmt.Errorf("query: %w", sqlErr), 500, "internal", "内部错误"},
		{"echo 404", echo.ErrNotFound, 404, "not_found", "未找到"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestServer(func(context.Context) error { return nil })
			e.GET("/boom", func(echo.Context) error { return tt.err })
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			var body apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body is not JSON: %q", rec.Body.String())
			}
			if body.Code != tt.code || !strings.Contains(body.Error, tt.wantInBody) {
				t.Errorf("body %+v, want code %q and message containing %q", body, tt.code, tt.wantInBody)
			}
			for _, leak := range []string{"secret_table", "relation", "10.0.0.1", "goroutine"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("body leaks %q: %s", leak, rec.Body.String())
				}
			}
			if tt.status == 503 && rec.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
}

// A panicking handler answers a generic 500 and the process goes on.
func TestPanicIsGeneric500(t *testing.T) {
	e := newTestServer(func(context.Context) error { return nil })
	e.GET("/panic", func(echo.Context) error { panic("SELECT * FROM users") })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/panic", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "SELECT") {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestReadyz(t *testing.T) {
	down := fmt.Errorf("ping: %w", renew.ErrUnavailable)
	for _, tt := range []struct {
		name   string
		ready  error
		status int
	}{{"up", nil, 200}, {"database down", down, 503}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestServer(func(context.Context) error { return tt.ready })
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.status {
				t.Errorf("readyz %d, want %d", rec.Code, tt.status)
			}
			rec = httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != 200 {
				t.Errorf("healthz %d while database %s", rec.Code, tt.name)
			}
		})
	}
}
