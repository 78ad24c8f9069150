package ogc

import (
	"errors"
	"math"
	"net/url"
	"strings"
	"testing"

	"renewmap/internal/renew"
	"renewmap/internal/tiles"
)

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]CRS{
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84": CRS84,
		"CRS84":       CRS84,
		"[OGC:CRS84]": CRS84,
		"http://www.opengis.net/def/crs/EPSG/0/4490":  EPSG4490,
		"https://www.opengis.net/def/crs/EPSG/0/4550": EPSG4550,
		"EPSG:4550":                  EPSG4550,
		"epsg:4490":                  EPSG4490,
		"urn:ogc:def:crs:EPSG::4550": EPSG4550,
		"4326":                       EPSG4326,
		" 4490 ":                     EPSG4490,
	} {
		got, err := ParseCRS(in)
		if err != nil || got != want {
			t.Errorf("ParseCRS(%q) = %v, %v; want %s", in, got.Code, err, want.Code)
		}
	}
	for _, in := range []string{"", "EPSG:3857", "4549", "http://www.opengis.net/def/crs/EPSG/0/", "EPSG:+4326",
		"EPSG:-4326", "crs84x", "http://example.com/4326", "EPSG:0004326"} {
		if _, err := ParseCRS(in); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("ParseCRS(%q) = %v, want ErrInvalid", in, err)
		}
	}
}

func TestParseBBox(t *testing.T) {
	ok := []struct {
		in   string
		crs  CRS
		want [4]float64
	}{
		{"124.33,43.15,124.37,43.18", CRS84, [4]float64{124.33, 43.15, 124.37, 43.18}},
		{" 124.33 , 43.15 ,124.37,43.18", CRS84, [4]float64{124.33, 43.15, 124.37, 43.18}},
		{"124.33,43.15,0,124.37,43.18,100", CRS84, [4]float64{124.33, 43.15, 124.37, 43.18}},
		// EPSG:4490 is latitude first; the result is always x = east.
		{"43.15,124.33,43.18,124.37", EPSG4490, [4]float64{124.33, 43.15, 124.37, 43.18}},
		{"4780000,600000,4790000,620000", EPSG4550, [4]float64{600000, 4780000, 620000, 4790000}},
		{"1,1,1,1", CRS84, [4]float64{1, 1, 1, 1}},
	}
	for _, c := range ok {
		b, err := ParseBBox(c.in, c.crs)
		if err != nil || [4]float64{b.MinX, b.MinY, b.MaxX, b.MaxY} != c.want {
			t.Errorf("ParseBBox(%q, %s) = %+v, %v; want %v", c.in, c.crs.Code, b, err, c.want)
		}
	}
	bad := []struct{ in, why string }{
		{"", "4 comma-separated"},
		{"1,2,3", "got 3"},
		{"1,2,3,4,5", "got 5"},
		{"NaN,43,124,44", "not a finite number"},
		{"124,43,Inf,44", "not a finite number"},
		{"124,43,x,44", "not a finite number"},
		{"124.37,43.15,124.33,43.18", "west > east"},
		{"124.33,43.18,124.37,43.15", "south > north"},
		{"124,43,181,44", "outside"},
		{"124,-91,125,44", "outside"},
		{"1e400,1,2,3", "not a finite number"},
	}
	for _, c := range bad {
		_, err := ParseBBox(c.in, CRS84)
		if !errors.Is(err, renew.ErrInvalid) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ParseBBox(%q) = %v; want ErrInvalid mentioning %q", c.in, err, c.why)
		}
	}
	if _, err := ParseBBox("600000,4780000,620000,4790000", EPSG4550); err == nil {
		t.Error("EPSG:4550 bbox in easting-first order was accepted (northing 600000 > easting range is fine, but easting 4780000 is not)")
	}
}

func TestParseLimitOffset(t *testing.T) {
	if n, err := ParseLimit(""); n != DefaultLimit || err != nil {
		t.Errorf("default limit = %d, %v", n, err)
	}
	if n, err := ParseLimit("10000"); n != 10000 || err != nil {
		t.Errorf("limit 10000 = %d, %v", n, err)
	}
	for _, v := range []string{"0", "-1", "10001", "abc", "1.5", "99999999999999999999"} {
		if _, err := ParseLimit(v); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("ParseLimit(%q) = %v, want ErrInvalid", v, err)
		}
	}
	if n, err := ParseOffset("25"); n != 25 || err != nil {
		t.Errorf("offset 25 = %d, %v", n, err)
	}
	for _, v := range []string{"-1", "x", "1e3"} {
		if _, err := ParseOffset(v); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("ParseOffset(%q) = %v, want ErrInvalid", v, err)
		}
	}
}

var testProps = []tiles.Property{
	{Name: "code", Type: "string"}, {Name: "floors", Type: "number"}, {Name: "has_elevator", Type: "boolean"},
}

func TestParseFilters(t *testing.T) {
	q, _ := url.ParseQuery("limit=5&bbox=1,2,3,4&floors=6&has_elevator=false&code=C1&f=json")
	fs, err := ParseFilters(q, testProps)
	if err != nil {
		t.Fatal(err)
	}
	want := []Filter{{"code", "C1"}, {"floors", 6.0}, {"has_elevator", false}}
	if len(fs) != len(want) {
		t.Fatalf("filters %v, want %v", fs, want)
	}
	for i := range want {
		if fs[i] != want[i] {
			t.Errorf("filter %d = %v, want %v", i, fs[i], want[i])
		}
	}
	for _, raw := range []string{"geom=1", "floors=six", "floors=NaN", "has_elevator=maybe", "floors=1&floors=2",
		"id=1", "code=" + strings.Repeat("长", 201)} {
		q, _ := url.ParseQuery(raw)
		if _, err := ParseFilters(q, testProps); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("ParseFilters(%s) = %v, want ErrInvalid", raw, err)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		f, accept string
		want      Format
	}{
		{"", "", JSON},
		{"", "text/html,application/xhtml+xml,*/*;q=0.8", HTML},
		{"", "application/geo+json, application/json, text/html;q=0.1", JSON},
		{"json", "text/html", JSON},
		{"html", "application/json", HTML},
	} {
		if got, err := Negotiate(c.f, c.accept); got != c.want || err != nil {
			t.Errorf("Negotiate(%q, %q) = %v, %v; want %v", c.f, c.accept, got, err, c.want)
		}
	}
	if _, err := Negotiate("xml", ""); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("f=xml: %v", err)
	}
}

func TestItemsLinks(t *testing.T) {
	q, _ := url.ParseQuery("limit=10&offset=10&stage=construction&crs=EPSG:4550")
	links := ItemsLinks("http://h/ogc/collections/c/items", q, 10, 10, 10, 35, JSON)
	rels := map[string]string{}
	for _, l := range links {
		rels[l.Rel] = l.Href
	}
	if !strings.Contains(rels["next"], "offset=20") || !strings.Contains(rels["next"], "stage=construction") ||
		!strings.Contains(rels["next"], "crs=EPSG%3A4550") {
		t.Errorf("next = %q", rels["next"])
	}
	if !strings.Contains(rels["prev"], "limit=10") || strings.Contains(rels["prev"], "offset=") {
		t.Errorf("prev = %q (offset 0 is left out)", rels["prev"])
	}
	last := ItemsLinks("http://h/i", q, 30, 10, 5, 35, JSON)
	for _, l := range last {
		if l.Rel == "next" {
			t.Errorf("last page has next %q", l.Href)
		}
	}
}

func TestCRSOrder(t *testing.T) {
	if x, y := EPSG4550.Order(600000, 4780000); x != 4780000 || y != 600000 {
		t.Errorf("EPSG:4550 order = %v, %v; want northing first", x, y)
	}
	if x, y := CRS84.Order(124, 43); x != 124 || y != 43 {
		t.Errorf("CRS84 order = %v, %v", x, y)
	}
	_ = math.Pi
}
