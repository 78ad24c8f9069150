package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// bodyLimit bounds one JSON request body: its bytes, and the JSON values in it and their nesting,
// counted while reading it token by token, before anything is decoded into Go values. A few
// bytes such as "{}," become a Go value of a hundred bytes or more, so the byte cap alone does not
// bound the memory a body costs; the value count does.
type bodyLimit struct {
	bytes  int64
	values int
	depth  int
}

var (
	// apiBody: the logged-in API (accounts, plans, areas, surveys).
	apiBody = bodyLimit{bytes: 256 << 10, values: 20_000, depth: 32}
	// whatIfBody: a what-if holds at most maxScenarioItems facilities and passages.
	whatIfBody = bodyLimit{bytes: 64 << 10, values: 2_000, depth: 8}
	// publicBody: the residents' code and ballot, posted without a login.
	publicBody = bodyLimit{bytes: 16 << 10, values: 500, depth: 8}
)

// readJSON reads a JSON request body within lim. Errors: 413 past lim.bytes; renew.ErrInvalid for
// another content type or past lim.values or lim.depth. Whether the body is valid JSON is left to
// the decoder that follows.
func readJSON(c echo.Context, lim bodyLimit) ([]byte, error) {
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return nil, renew.Invalid("request body must be JSON (Content-Type: application/json)")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, lim.bytes+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || int64(len(body)) > lim.bytes {
		return nil, &echo.HTTPError{Code: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("请求内容过大（上限 %d KB）", lim.bytes>>10)}
	}
	if err != nil {
		return nil, renew.Invalid("request body: could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	values, depth := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return body, nil // the end, or malformed JSON for the decoder to describe
		}
		values++
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if values > lim.values || depth > lim.depth {
			return nil, renew.Invalid("请求内容过多：最多 %d 个值、%d 层嵌套", lim.values, lim.depth)
		}
	}
}
