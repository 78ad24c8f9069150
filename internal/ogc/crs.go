package ogc

import (
	"strconv"
	"strings"

	"renewmap/internal/renew"
)

// CRS is a coordinate reference system the service can answer in.
type CRS struct {
	// URI is the OGC identifier (http://www.opengis.net/def/crs/...), used in crs, bbox-crs,
	// Content-Crs and the collection documents.
	URI string
	// SRID is the PostGIS spatial_ref_sys id of the output.
	SRID int
	// Code is the short name (EPSG:4490); URN is the form GeoJSON's legacy "crs" member uses.
	Code, URN string
	// Title describes it for people, in Chinese with the English name.
	Title string
	// NorthFirst: the CRS's own axis order puts north first (latitude before longitude,
	// northing before easting). OGC API answers and bbox-crs values follow the CRS's axis order
	// (Part 2); CRS84 is the exception made for GeoJSON: longitude first.
	NorthFirst bool
	// Geographic: coordinates are degrees; otherwise metres.
	Geographic bool
}

// The supported systems. EPSG:4326 (lat/lon) and CRS84 (lon/lat) are the same datum; CGCS2000
// (EPSG:4490) agrees with WGS 84 within a metre, and EPSG:4550 is CGCS2000 3-degree
// Gauss-Krüger with central meridian 123°E (Siping, ≈124.35°E, lies in it), in metres, with
// no zone number in the easting.
var (
	CRS84 = CRS{URI: "http://www.opengis.net/def/crs/OGC/1.3/CRS84", SRID: 4326, Code: "OGC:CRS84",
		URN: "urn:ogc:def:crs:OGC:1.3:CRS84", Title: "WGS 84 经纬度（经度在前）WGS 84 longitude/latitude", Geographic: true}
	EPSG4326 = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/4326", SRID: 4326, Code: "EPSG:4326",
		URN: "urn:ogc:def:crs:EPSG::4326", Title: "WGS 84", NorthFirst: true, Geographic: true}
	EPSG4490 = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/4490", SRID: 4490, Code: "EPSG:4490",
		URN: "urn:ogc:def:crs:EPSG::4490", Title: "CGCS2000 国家大地坐标系 (China Geodetic Coordinate System 2000)",
		NorthFirst: true, Geographic: true}
	EPSG4550 = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/4550", SRID: 4550, Code: "EPSG:4550",
		URN: "urn:ogc:def:crs:EPSG::4550", Title: "CGCS2000 高斯-克吕格 3度带 中央经线123°E (CGCS2000 / 3-degree Gauss-Kruger CM 123E)",
		NorthFirst: true}
)

// Supported lists the systems in the order collections advertise them; the first is the default.
var Supported = []CRS{CRS84, EPSG4326, EPSG4490, EPSG4550}

// URIs returns the identifiers of Supported.
func URIs() []string {
	out := make([]string, len(Supported))
	for i, c := range Supported {
		out[i] = c.URI
	}
	return out
}

// ParseCRS recognises a CRS by its OGC URI (as OGC API clients send it), its URN, its short code
// (EPSG:4490, OGC:CRS84, CRS84) or a bare EPSG number (4490), in any letter case. Safe CURIEs
// ([EPSG:4490]) are accepted too. Anything else is renew.ErrInvalid listing what is supported.
func ParseCRS(s string) (CRS, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.TrimSuffix(strings.TrimPrefix(k, "["), "]")
	k = strings.TrimPrefix(k, "https://")
	k = strings.TrimPrefix(k, "http://")
	switch k {
	case "www.opengis.net/def/crs/ogc/1.3/crs84", "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84",
		"ogc:crs84", "crs84":
		return CRS84, nil
	}
	num := ""
	for _, p := range []string{"www.opengis.net/def/crs/epsg/0/", "urn:ogc:def:crs:epsg::", "urn:ogc:def:crs:epsg:0:", "epsg:", ""} {
		if rest, ok := strings.CutPrefix(k, p); ok && rest != "" && len(rest) <= 6 {
			if _, err := strconv.Atoi(rest); err == nil && rest[0] != '+' && rest[0] != '-' {
				num = rest
				break
			}
		}
	}
	for _, c := range Supported {
		if c != CRS84 && strings.TrimPrefix(c.Code, "EPSG:") == num {
			return c, nil
		}
	}
	return CRS{}, renew.Invalid("crs: unsupported coordinate reference system %q; supported: %s (不支持的坐标系)",
		clip(s, 80), strings.Join(URIs(), ", "))
}

// Order puts an easting/northing (x, y) pair in the CRS's axis order.
func (c CRS) Order(x, y float64) (float64, float64) {
	if c.NorthFirst {
		return y, x
	}
	return x, y
}

// ContentCrs is the value of the Content-Crs response header (Part 2): the URI in angle brackets.
func (c CRS) ContentCrs() string { return "<" + c.URI + ">" }

// clip shortens user input echoed in a message.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
