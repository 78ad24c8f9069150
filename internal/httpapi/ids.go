package httpapi

import (
	"math"
	"strconv"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// maxID is the largest id a row can have: the primary keys the API is asked for are serial
// (int4) columns.
const maxID = math.MaxInt32

// parseID reads v, the value of parameter name, as a row id; what names the thing in Chinese
// (方案, 小区). An id is written in decimal digits only (no sign, no spaces). A value that is not
// a positive integer is a renew.ErrInvalid (400) saying which parameter wants one; a positive
// integer beyond maxID cannot name a row, so it is a renew.ErrNotFound (404), like any other id
// that names nothing.
func parseID(name, what, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if !isDigits(v) || err == nil && n < 1 {
		return 0, renew.Invalid("%s: %s编号应为正整数 (a positive integer id)", name, what)
	}
	if err != nil || n > maxID {
		return 0, renew.NotFound("%s %s 不存在 (not found)", what, clipText(v, 30))
	}
	return n, nil
}

// pathID is parseID of the path parameter name.
func pathID(c echo.Context, name, what string) (int64, error) {
	return parseID(name, what, c.Param(name))
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
