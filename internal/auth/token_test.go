package auth

import (
	"testing"
	"time"
)

func TestParseTTL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"12h", 12 * time.Hour, true},
		{" 3650d ", MaxTokenTTL, true},
		{"never", 0, true},
		{"", 0, false},
		{"0d", 0, false},
		{"-1d", 0, false},
		{"3651d", 0, false},
		{"30m", 0, false}, // under an hour
		{"1y", 0, false},
		{"90", 0, false},
		{"d", 0, false},
	} {
		got, err := ParseTTL(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseTTL(%q) = %v, %v", c.in, got, err)
		}
	}
}

// FuzzParseTTL: any input gives a lifetime within bounds or an error, never a panic.
func FuzzParseTTL(f *testing.F) {
	for _, s := range []string{"90d", "12h", "never", "1e9h", "99999999999999999999d", "-0d", "1h1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTTL(s)
		if err == nil && (d < 0 || d > MaxTokenTTL || d > 0 && d < time.Hour) {
			t.Fatalf("ParseTTL(%q) = %v", s, d)
		}
	})
}
