package access

import (
	"math"

	"github.com/paulmach/orb"
)

// CGCS2000's ellipsoid (equal to GRS80 to well below a millimetre on the ground).
const (
	ellipsoidA = 6378137.0
	ellipsoidF = 1 / 298.257222101
)

// tmConst are the transverse Mercator series (Krüger's, to n⁴) of the ellipsoid: A is the
// rectifying radius, alpha the forward, beta the inverse and delta the conformal-to-geodetic
// latitude coefficients. Truncating at n⁴ leaves errors far below a millimetre within a few
// hundred kilometres of the central meridian.
var tmConst = func() (c struct {
	A, e               float64
	alpha, beta, delta [4]float64
}) {
	f := ellipsoidF
	n := f / (2 - f)
	n2, n3, n4 := n*n, n*n*n, n*n*n*n
	c.A = ellipsoidA / (1 + n) * (1 + n2/4 + n4/64)
	c.e = math.Sqrt(f * (2 - f))
	c.alpha = [4]float64{n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180, 13*n2/48 - 3*n3/5 + 557*n4/1440,
		61*n3/240 - 103*n4/140, 49561 * n4 / 161280}
	c.beta = [4]float64{n/2 - 2*n2/3 + 37*n3/96 - n4/360, n2/48 + n3/15 - 437*n4/1440,
		17*n3/480 - 37*n4/840, 4397 * n4 / 161280}
	c.delta = [4]float64{2*n - 2*n2/3 - 2*n3 + 116*n4/45, 7*n2/3 - 8*n3/5 - 227*n4/45,
		56*n3/15 - 136*n4/35, 4279 * n4 / 630}
	return c
}()

// projection is a transverse Mercator projection of CGCS2000's ellipsoid with its central
// meridian at lon0 and its origin at (lon0, lat0), scale 1 on the central meridian: x metres
// east, y metres north. Centred on the data, its scale error is (d/R)²/2 at d metres east or
// west of the centre: 0.3 mm per kilometre at 5 km, so lengths on it are true lengths.
type projection struct {
	lon0, lat0 float64
	y0         float64 // northing of lat0 on the central meridian
}

func newProjection(lon0, lat0 float64) projection {
	p := projection{lon0: lon0, lat0: lat0}
	_, p.y0 = p.fwd(orb.Point{lon0, lat0})
	return p
}

const degree = math.Pi / 180

func (p projection) fwd(pt orb.Point) (x, y float64) {
	c := &tmConst
	phi, lam := pt[1]*degree, (pt[0]-p.lon0)*degree
	s := math.Sin(phi)
	t := math.Sinh(math.Atanh(s) - c.e*math.Atanh(c.e*s))
	xi, eta := math.Atan2(t, math.Cos(lam)), math.Atanh(math.Sin(lam)/math.Sqrt(1+t*t))
	X, Y := eta, xi
	for j, a := range c.alpha {
		k := float64(2 * (j + 1))
		X += a * math.Cos(k*xi) * math.Sinh(k*eta)
		Y += a * math.Sin(k*xi) * math.Cosh(k*eta)
	}
	return c.A * X, c.A*Y - p.y0
}

func (p projection) inv(x, y float64) orb.Point {
	c := &tmConst
	xi, eta := (y+p.y0)/c.A, x/c.A
	xi1, eta1 := xi, eta
	for j, b := range c.beta {
		k := float64(2 * (j + 1))
		xi1 -= b * math.Sin(k*xi) * math.Cosh(k*eta)
		eta1 -= b * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	chi := math.Asin(math.Sin(xi1) / math.Cosh(eta1))
	phi := chi
	for j, d := range c.delta {
		phi += d * math.Sin(float64(2*(j+1))*chi)
	}
	return orb.Point{p.lon0 + math.Atan2(math.Sinh(eta1), math.Cos(xi1))/degree, phi / degree}
}
