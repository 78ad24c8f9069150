package tiles

import (
	"errors"
	"testing"

	"renewmap/internal/renew"
)

func TestParseCoord(t *testing.T) {
	tests := []struct {
		z, x, y string
		want    Coord
		ok      bool
	}{
		{"0", "0", "0.mvt", Coord{0, 0, 0}, true},
		{"14", "13851", "5960.mvt", Coord{14, 13851, 5960}, true},
		{"22", "4194303", "4194303.mvt", Coord{22, 4194303, 4194303}, true},
		{"23", "0", "0.mvt", Coord{}, false},
		{"3", "8", "0.mvt", Coord{}, false},
		{"3", "0", "8.mvt", Coord{}, false},
		{"3", "-1", "0.mvt", Coord{}, false},
		{"3", "+1", "0.mvt", Coord{}, false},
		{"3", "1", "0", Coord{}, false},
		{"3", "1", "0.png", Coord{}, false},
		{"", "1", "0.mvt", Coord{}, false},
		{"1e2", "1", "0.mvt", Coord{}, false},
		{"3", " 1", "0.mvt", Coord{}, false},
		{"999999999", "0", "0.mvt", Coord{}, false},
	}
	for _, tt := range tests {
		got, err := ParseCoord(tt.z, tt.x, tt.y)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("ParseCoord(%q,%q,%q) = %v, %v; want %v", tt.z, tt.x, tt.y, got, err, tt.want)
		}
		if !tt.ok && !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("ParseCoord(%q,%q,%q) = %v, %v; want ErrInvalid", tt.z, tt.x, tt.y, got, err)
		}
	}
}

// CoordAt and Bounds agree: the tile holding a point contains it.
func TestCoordAtBounds(t *testing.T) {
	for z := 0; z <= MaxZoom; z++ {
		c := CoordAt(z, 124.3510, 43.1607)
		w, s, e, n := c.Bounds()
		if !(w <= 124.3510 && 124.3510 < e && s < 43.1607 && 43.1607 <= n) {
			t.Errorf("z%d: tile %v bounds %v,%v,%v,%v miss the point", z, c, w, s, e, n)
		}
	}
}

// FuzzParseCoord: any path segments give a valid tile or ErrInvalid, never a panic, and a valid
// tile is within range.
func FuzzParseCoord(f *testing.F) {
	f.Add("14", "13851", "5960.mvt")
	f.Add("0", "0", "0.mvt")
	f.Add("22", "99999999", "1.mvt")
	f.Add("-1", "0x10", "NaN.mvt")
	f.Add("3", "1", "٣.mvt")
	f.Fuzz(func(t *testing.T, z, x, y string) {
		c, err := ParseCoord(z, x, y)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		if c.Z < 0 || c.Z > MaxZoom || c.X < 0 || c.Y < 0 || c.X >= 1<<c.Z || c.Y >= 1<<c.Z {
			t.Fatalf("out-of-range tile %v accepted", c)
		}
	})
}
