package httpapi

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"renewmap/internal/renew"
)

// parseID takes decimal row ids 1…maxID; anything else that is no positive integer is a 400 in
// Chinese naming the parameter, and a positive integer no row can have is a 404.
func TestParseID(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   int64
		status int
	}{
		{"1", 1, 200},
		{"42", 42, 200},
		{"007", 7, 200},
		{"2147483647", maxID, 200},
		{"2147483648", 0, 404},
		{"9223372036854775808", 0, 404},
		{"99999999999999999999999", 0, 404},
		{"0", 0, 400},
		{"000", 0, 400},
		{"", 0, 400},
		{"-1", 0, 400},
		{"-0", 0, 400},
		{"+1", 0, 400},
		{" 1", 0, 400},
		{"1 ", 0, 400},
		{"1.0", 0, 400},
		{"1e3", 0, 400},
		{"0x1F", 0, 400},
		{"1_000", 0, 400},
		{"abc", 0, 400},
		{"١", 0, 400}, // an Arabic-Indic digit
		{"1; DROP TABLE plans", 0, 400},
	} {
		id, err := parseID("community", "小区", c.in)
		status, body := classify(err)
		if err == nil {
			status = 200
		}
		if id != c.want || status != c.status {
			t.Errorf("parseID(%q) = %d, %v (%d); want %d (%d)", c.in, id, err, status, c.want, c.status)
		}
		if status == 400 && body.Error != "community：小区编号应为正整数" {
			t.Errorf("parseID(%q): shown %q", c.in, body.Error)
		}
		if status == 404 && body.Error != "小区 "+clipText(c.in, 30)+" 不存在" {
			t.Errorf("parseID(%q): shown %q", c.in, body.Error)
		}
	}
}

// FuzzParseID: any value is read without a panic; an id it gives is in range and is what the
// value says; a refusal is a 400, or a 404 for digits only.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "2147483647", "2147483648", "0", "-1", "00000000000000000000001", "abc", "", "1e3", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseID("id", "方案", s)
		switch {
		case err == nil:
			if id < 1 || id > maxID || strconv.FormatInt(id, 10) != strings.TrimLeft(s, "0") {
				t.Fatalf("%q → %d", s, id)
			}
		case errors.Is(err, renew.ErrNotFound):
			if !isDigits(s) {
				t.Fatalf("%q: 404 for what is no number", s)
			}
		case !errors.Is(err, renew.ErrInvalid):
			t.Fatalf("%q: %v", s, err)
		}
	})
}
