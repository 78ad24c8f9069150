package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// Lookups answers the JSON API's reads of labels and communities (Deps.Lookups).
type Lookups interface {
	// Labels returns enumeration → code → Chinese label.
	Labels(ctx context.Context) (map[string]map[string]string, error)
	// SearchCommunities returns up to limit communities whose name contains q.
	SearchCommunities(ctx context.Context, q string, limit int) ([]renew.CommunitySummary, error)
}

func (s *server) routesAPI(e *echo.Group) {
	g := e.Group("/api/v1", s.require(nil))
	g.GET("/labels", s.labels)
	g.GET("/communities", s.communities)
}

func (s *server) labels(c echo.Context) error {
	l, err := s.deps.Lookups.Labels(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// maxSearch caps a community search.
const maxSearch = 500

func (s *server) communities(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > 100 {
		return renew.Invalid("q: at most 100 characters of valid UTF-8")
	}
	limit, err := intParam(c, "limit", 50, 1, maxSearch)
	if err != nil {
		return err
	}
	hits, err := s.deps.Lookups.SearchCommunities(c.Request().Context(), q, limit)
	if err != nil {
		return err
	}
	if hits == nil {
		hits = []renew.CommunitySummary{}
	}
	return c.JSON(http.StatusOK, map[string]any{"communities": hits})
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, renew.Invalid("%s: must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// bindJSON decodes a JSON request body of the logged-in API into v strictly (bindJSONWithin with
// apiBody).
func bindJSON(c echo.Context, v any) error { return bindJSONWithin(c, v, apiBody) }

// bindJSONWithin decodes a JSON request body into v strictly: the right content type, within lim
// (readJSON), one object, no unknown fields; every failure is a renew.ErrInvalid naming the
// problem (413 past the byte cap). A value that decoded but is wrong (a type's UnmarshalJSON
// refusing it with a user-safe message: a malformed date, an amount with three decimals) keeps
// that message.
func bindJSONWithin(c echo.Context, v any, lim bodyLimit) error {
	body, err := readJSON(c, lim)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if e := renew.UserError(err); e != nil { // passed whole, so the catalogue translates it too
			return renew.Invalid("request body: %s", e)
		}
		return renew.Invalid("request body: %s", jsonProblem(err))
	}
	if dec.More() {
		return renew.Invalid("request body: one JSON object expected")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be a %s", typ.Field, typ.Type.Kind())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or truncated JSON"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "not valid JSON"
}
