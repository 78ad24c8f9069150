package access

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestTransverseMercator compares the projection with PROJ's tmerc on GRS80 (as PostGIS's
// ST_Transform(geom, '+proj=tmerc +lat_0=… +lon_0=… +k=1 +ellps=GRS80') gives it) and checks
// that the inverse returns the point.
func TestTransverseMercator(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lon0, lat0 float64
		pt         orb.Point
		x, y       float64
	}{
		{124.35, 43.15, orb.Point{124.40, 43.20}, 4063.7999677896755, 5556.021144260286},
		{124.35, 43.15, orb.Point{124.30, 43.10}, -4070.4304319057255, -5553.5450647594325},
		{116.32, 39.99, orb.Point{116.33, 40.00}, 853.938570354824, 1110.3932655710964},
	} {
		p := newProjection(c.lon0, c.lat0)
		x, y := p.fwd(c.pt)
		if math.Abs(x-c.x) > 1e-4 || math.Abs(y-c.y) > 1e-4 {
			t.Errorf("%v about (%v, %v) = (%.4f, %.4f), PROJ says (%.4f, %.4f)", c.pt, c.lon0, c.lat0, x, y, c.x, c.y)
		}
		if back := p.inv(x, y); math.Abs(back[0]-c.pt[0]) > 1e-10 || math.Abs(back[1]-c.pt[1]) > 1e-10 {
			t.Errorf("inverse of %v gives %v", c.pt, back)
		}
	}
}
