package ogc

import (
	"errors"
	"math"
	"net/url"
	"testing"

	"renewmap/internal/renew"
)

// The parsers take anything a client sends: they must never panic, and must either succeed with
// sane values or fail with renew.ErrInvalid (a 400, never a 500).

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"124.33,43.15,124.37,43.18", "1,2,3", "NaN,1,2,3", "4780000,600000,4790000,620000",
		"1,2,3,4,5,6", "", ",,,", "-180,-90,180,90", "1e308,1e308,1e308,1e308", "0x1p-2,1,2,3", "1,1,1,1", "-180,-90,180,90.0000001"} {
		f.Add(s, 0)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, crs int) {
		c := Supported[(crs%len(Supported)+len(Supported))%len(Supported)]
		b, err := ParseBBox(s, c)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		for _, v := range []float64{b.MinX, b.MinY, b.MaxX, b.MaxY} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value accepted: %+v", b)
			}
		}
		if b.MinX > b.MaxX || b.MinY > b.MaxY {
			t.Fatalf("inverted box accepted: %+v", b)
		}
		xr, yr := [2]float64{-180, 180}, [2]float64{-90, 90}
		if !c.Geographic {
			xr, yr = [2]float64{0, 1_000_000}, [2]float64{0, 10_000_000}
		}
		if b.MinX < xr[0] || b.MaxX > xr[1] || b.MinY < yr[0] || b.MaxY > yr[1] {
			t.Fatalf("box outside %s accepted: %+v", c.Code, b)
		}
		if b.CRS != c {
			t.Fatalf("box in %s, asked in %s", b.CRS.Code, c.Code)
		}
	})
}

func FuzzParseCRS(f *testing.F) {
	for _, s := range []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:4490", "4550", "urn:ogc:def:crs:EPSG::4326",
		"[EPSG:4550]", "", "EPSG:", "http://www.opengis.net/def/crs/EPSG/0/-4490"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCRS(s)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		found := false
		for _, x := range Supported {
			found = found || x == c
		}
		if !found {
			t.Fatalf("ParseCRS(%q) returned an unsupported CRS %+v", s, c)
		}
	})
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"", "1", "100", "10000", "10001", "-1", "0", "abc", "9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseLimit(s)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		if n < 1 || n > MaxLimit {
			t.Fatalf("ParseLimit(%q) = %d", s, n)
		}
		m, err := ParseOffset(s)
		if err == nil && (m < 0 || m > MaxOffset) {
			t.Fatalf("ParseOffset(%q) = %d", s, m)
		}
	})
}

func FuzzParseFilters(f *testing.F) {
	for _, s := range []string{"floors=6", "has_elevator=true&code=C1", "x=1", "floors=NaN", "floors=1&floors=2",
		"limit=5&bbox=1,2,3,4", "%zz", "code=%E6%9C%BA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fs, err := ParseFilters(q, testProps)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("error of another kind: %v", err)
			}
			return
		}
		for _, x := range fs {
			switch v := x.Value.(type) {
			case float64:
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite filter value: %v", x)
				}
			case string, bool:
			default:
				t.Fatalf("filter value of type %T", v)
			}
		}
	})
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"json", "html", "", "xml"} {
		f.Add(s, "text/html")
	}
	f.Fuzz(func(t *testing.T, fv, accept string) {
		if _, err := Negotiate(fv, accept); err != nil && !errors.Is(err, renew.ErrInvalid) {
			t.Fatalf("error of another kind: %v", err)
		}
	})
}
