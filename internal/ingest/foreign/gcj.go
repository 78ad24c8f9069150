package foreign

import (
	"math"

	"github.com/paulmach/orb"
)

// GCJ-02 (火星坐标, used by Chinese web maps such as Amap and Tencent) is WGS84 with a published
// non-linear offset of a few hundred metres; BD-09 (Baidu) is GCJ-02 with a further twist. PROJ
// knows neither. The forward offset below is the widely published formula; the inverse is found by
// iterating the forward one, which converges to well under a centimetre in a few steps.

const (
	krasovskyA  = 6378245.0              // the ellipsoid the offset is defined on
	krasovskyE2 = 0.00669342162296594323 // its first eccentricity squared
	bdXPi       = math.Pi * 3000.0 / 180.0
)

// outsideChina reports points where GCJ-02 applies no offset (a rough box, as the formula defines).
func outsideChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

func offsetLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func offsetLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// wgs84ToGCJ applies the GCJ-02 offset to a WGS84 longitude, latitude.
func wgs84ToGCJ(lon, lat float64) (float64, float64) {
	if outsideChina(lon, lat) {
		return lon, lat
	}
	dLat := offsetLat(lon-105.0, lat-35.0)
	dLon := offsetLon(lon-105.0, lat-35.0)
	rad := lat / 180.0 * math.Pi
	magic := 1 - krasovskyE2*math.Sin(rad)*math.Sin(rad)
	sq := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyE2)) / (magic * sq) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sq * math.Cos(rad) * math.Pi)
	return lon + dLon, lat + dLat
}

// gcjToWGS84 removes the GCJ-02 offset by fixed-point iteration on wgs84ToGCJ.
func gcjToWGS84(lon, lat float64) (float64, float64) {
	if outsideChina(lon, lat) {
		return lon, lat
	}
	wLon, wLat := lon, lat
	for range 10 {
		gLon, gLat := wgs84ToGCJ(wLon, wLat)
		dLon, dLat := gLon-lon, gLat-lat
		wLon, wLat = wLon-dLon, wLat-dLat
		if math.Abs(dLon) < 1e-10 && math.Abs(dLat) < 1e-10 {
			break
		}
	}
	return wLon, wLat
}

// bd09ToGCJ undoes Baidu's twist on GCJ-02.
func bd09ToGCJ(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return z * math.Cos(theta), z * math.Sin(theta)
}

// bd09ToWGS84 converts BD-09 to WGS84 through GCJ-02.
func bd09ToWGS84(lon, lat float64) (float64, float64) { return gcjToWGS84(bd09ToGCJ(lon, lat)) }

// convertGeometry applies fn to every coordinate of g (in place for the slices it owns).
func convertGeometry(g orb.Geometry, fn func(lon, lat float64) (float64, float64)) orb.Geometry {
	pt := func(p orb.Point) orb.Point {
		x, y := fn(p[0], p[1])
		return orb.Point{x, y}
	}
	line := func(ls []orb.Point) {
		for i := range ls {
			ls[i] = pt(ls[i])
		}
	}
	switch g := g.(type) {
	case orb.Point:
		return pt(g)
	case orb.MultiPoint:
		line(g)
	case orb.LineString:
		line(g)
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
	case orb.Ring:
		line(g)
	case orb.Polygon:
		for _, r := range g {
			line(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				line(r)
			}
		}
	case orb.Collection:
		for i := range g {
			g[i] = convertGeometry(g[i], fn)
		}
	}
	return g
}
