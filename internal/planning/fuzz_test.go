package planning

import (
	"errors"
	"math"
	"testing"

	"renewmap/internal/renew"
)

// Every parser of user input either accepts a value inside its documented range or fails with
// renew.ErrInvalid; none panics.

func FuzzParseGap(f *testing.F) {
	for _, s := range []string{"", "50", "0", "500.0", "-1", "NaN", "1e309", "0x1F", "Infinity", " 5 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGap(s)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if math.IsNaN(g) || g < 0 || g > MaxGap {
			t.Fatalf("%q → %v", s, g)
		}
	})
}

func FuzzParseRatioBuffer(f *testing.F) {
	for _, s := range []string{"", "0.6", "1", "3", "0", "-0", "NaN", "1e-400", "2.9999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRatio(s, 0.6); err == nil && (math.IsNaN(r) || r <= 0 || r > MaxRatio) {
			t.Fatalf("ratio %q → %v", s, r)
		} else if err != nil && !errors.Is(err, renew.ErrInvalid) {
			t.Fatalf("ratio %q: %v", s, err)
		}
		if b, err := ParseBuffer(s, 5); err == nil && (math.IsNaN(b) || b <= 0 || b > MaxBuffer) {
			t.Fatalf("buffer %q → %v", s, b)
		} else if err != nil && !errors.Is(err, renew.ErrInvalid) {
			t.Fatalf("buffer %q: %v", s, err)
		}
	})
}

func FuzzParseYears(f *testing.F) {
	for _, p := range [][2]string{{"2021", "2023"}, {"", ""}, {"2023", "2021"}, {"-1", "99999999999999999999"}, {"2021", " 2022"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		from, to, err := ParseYears(a, b, 2021, 2023)
		if err != nil {
			if !errors.Is(err, renew.ErrInvalid) {
				t.Fatalf("%q %q: %v", a, b, err)
			}
			return
		}
		if from < 1900 || to > 2100 || from > to || to-from > MaxYearSpan {
			t.Fatalf("%q %q → %d %d", a, b, from, to)
		}
	})
}

func FuzzParseCodesName(f *testing.F) {
	for _, s := range []string{"implement", "implement,prepare", "", ",", "1", "-1", "99999999999999999999", "铁西一号片区", "\xff"} {
		f.Add(s)
	}
	allowed := []string{"implement", "prepare", "reserve"}
	f.Fuzz(func(t *testing.T, s string) {
		if cs, err := ParseCodes("batch", s, allowed); err == nil {
			for _, c := range cs {
				if c != "implement" && c != "prepare" && c != "reserve" {
					t.Fatalf("%q → %v", s, cs)
				}
			}
		} else if !errors.Is(err, renew.ErrInvalid) {
			t.Fatal(err)
		}
		if n, err := CheckName(s); err == nil && (n == "" || len([]rune(n)) > MaxNameLen) {
			t.Fatalf("name %q → %q", s, n)
		}
	})
}
