package httpapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"renewmap/internal/renew"
)

// versionTag is the ETag (and the "version" in JSON) of a record last changed at t: plans and
// areas. A write names the version it was made from in If-Match; see ifMatch.
func versionTag(t time.Time) string { return fmt.Sprintf(`"%d"`, t.UnixMicro()) }

// ifMatch reads the If-Match of a write to a versioned record. Without one (or with "*", which
// names no version) the write would overwrite blindly: renew.ErrVersionRequired (428). A
// malformed one is a renew.ErrInvalid. The store compares it with the record's version under
// its lock and answers renew.ErrStale (412) when they differ.
func ifMatch(c echo.Context) (*time.Time, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return nil, &renew.Error{Kind: renew.ErrVersionRequired, Msg: "缺少版本号（If-Match），请刷新后重试"}
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, renew.Invalid("If-Match: 应为读取时的 version（ETag）")
	}
	t := time.UnixMicro(n)
	return &t, nil
}
