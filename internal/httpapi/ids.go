package httpapi

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// maxID is the largest row id the database holds (int4 primary keys).
const maxID = 1<<31 - 1

// pathID reads a positive integer id from the path parameter name. Not a positive integer: a
// renew.ErrInvalid saying what was expected (what, in Chinese). A number beyond maxID cannot name
// a row, so it is a renew.ErrNotFound, like any other id that names nothing.
func pathID(c echo.Context, name, what string) (int, error) {
	v := c.Param(name)
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil && !isDigits(v) || n < 1 && err == nil {
		return 0, renew.Invalid("%s: %s应为正整数 (a positive integer id)", name, what)
	}
	if err != nil || n > maxID {
		return 0, renew.NotFound("%s %s 不存在 (not found)", what, clipText(v, 30))
	}
	return int(n), nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
