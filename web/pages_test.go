package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestPagesOpenWithSharedHead keeps every page on the shared head of templates/partials.html
// (doctype, meta, favicon, base.css first, the title with the application's name): a page
// written with a head of its own would drift from the others.
func TestPagesOpenWithSharedHead(t *testing.T) {
	pages, err := fs.Glob(FS, "static/*.html")
	if err != nil || len(pages) < 10 {
		t.Fatalf("pages: %v %v", pages, err)
	}
	first := regexp.MustCompile(`^\{\{template "(head|residents-head)" (""|"[^"]+"|\.Title)\}\}\n`)
	for _, p := range pages {
		b, err := fs.ReadFile(FS, p)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if !first.MatchString(src) {
			t.Errorf("%s does not open with {{template \"head\" \"页面名\"}}: %.60q", p, src)
		}
		for _, own := range []string{"<!doctype", "<title>", `href="/static/base.css"`, "maplibre-gl.js?v="} {
			if strings.Contains(strings.ToLower(src), strings.ToLower(own)) {
				t.Errorf("%s writes %s itself; the partials hold it", p, own)
			}
		}
	}
}
