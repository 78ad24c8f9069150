package httpapi

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"renewmap/web"
)

// errorPage is the Chinese page a browser is shown, instead of the JSON error, when it asks for a
// page its role may not use (403) or one that does not exist (404).
var errorPage = template.Must(template.Must(partials.Clone()).ParseFS(web.FS, "static/"+errorPageFile))

const errorPageFile = "error.html"

// dataPrefixes are the paths whose errors stay JSON even for a browser: the APIs, tiles,
// downloads and static files.
var dataPrefixes = []string{"/api/", "/ogc", "/download/", "/tiles/", "/static/", "/healthz", "/readyz"}

// wantsErrorPage reports whether the error of status for c's request is shown as a page.
func wantsErrorPage(c echo.Context, status int) bool {
	if status != http.StatusForbidden && status != http.StatusNotFound || !wantsHTML(c) {
		return false
	}
	p := c.Request().URL.Path
	for _, pre := range dataPrefixes {
		if strings.HasPrefix(p, pre) {
			return false
		}
	}
	return true
}

// writeErrorPage writes the page for status with the catalogue's texts.
func writeErrorPage(c echo.Context, status int) error {
	key := "page.notfound"
	if status == http.StatusForbidden {
		key = "page.forbidden"
	}
	var b bytes.Buffer
	err := errorPage.ExecuteTemplate(&b, errorPageFile, map[string]string{
		"Title": messages.UI[key+".title"], "Text": messages.UI[key+".text"], "Back": messages.UI["page.back"]})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, b.Bytes())
}
