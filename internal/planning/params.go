package planning

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"renewmap/internal/renew"
)

// Limits of the parameters a request may set.
const (
	DefaultGap  = 50.0
	MaxGap      = 500.0
	MaxRatio    = 3.0
	MaxBuffer   = 50.0
	MaxYearSpan = 50
	MaxMembers  = 500
	MaxNameLen  = 100
	// MaxBBoxDeg bounds a bbox's side so a siting question stays within a district or a city.
	MaxBBoxDeg = 2.0
)

// number parses a finite decimal number (no hex, no exponent beyond what a person types).
func number(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 || strings.ContainsAny(s, "xXpP_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// ParseGap reads the clustering gap in metres: empty gives DefaultGap; otherwise 0…MaxGap.
func ParseGap(s string) (float64, error) {
	if s == "" {
		return DefaultGap, nil
	}
	f, ok := number(s)
	if !ok || f < 0 || f > MaxGap {
		return 0, renew.Invalid("gap: a distance from 0 to %g metres", MaxGap)
	}
	return f, nil
}

// ParseRatio reads a parking ratio (spaces per household): empty gives def; otherwise more than
// 0 and at most MaxRatio.
func ParseRatio(s string, def float64) (float64, error) {
	if s == "" {
		return def, nil
	}
	f, ok := number(s)
	if !ok || f <= 0 || f > MaxRatio {
		return 0, renew.Invalid("ratio: spaces per household, more than 0 and at most %g", MaxRatio)
	}
	return f, nil
}

// ParseBuffer reads the dig-once corridor half-width in metres: empty gives def; otherwise more
// than 0 and at most MaxBuffer.
func ParseBuffer(s string, def float64) (float64, error) {
	if s == "" {
		return def, nil
	}
	f, ok := number(s)
	if !ok || f <= 0 || f > MaxBuffer {
		return 0, renew.Invalid("buffer: metres either side of the road, more than 0 and at most %g", MaxBuffer)
	}
	return f, nil
}

// ParseYears reads a period of years [from, to]; an empty bound takes its default. Years lie in
// 1900…2100, from ≤ to, spanning at most MaxYearSpan years.
func ParseYears(from, to string, defFrom, defTo int) (int, int, error) {
	year := func(name, s string, def int) (int, error) {
		if s == "" {
			return def, nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1900 || n > 2100 {
			return 0, renew.Invalid("%s: a year from 1900 to 2100", name)
		}
		return n, nil
	}
	f, err := year("from", from, defFrom)
	if err != nil {
		return 0, 0, err
	}
	t, err := year("to", to, defTo)
	if err != nil {
		return 0, 0, err
	}
	if f > t || t-f > MaxYearSpan {
		return 0, 0, renew.Invalid("from, to: from must not be after to, and the period at most %d years", MaxYearSpan)
	}
	return f, t, nil
}

// CheckSitingBox checks the box a siting question is asked in (west, south, east, north in
// lon/lat, as ogc.ParseBBox reads the bbox parameter): it must have an area, and each side be at
// most MaxBBoxDeg.
func CheckSitingBox(b [4]float64) error {
	if !(b[0] < b[2] && b[1] < b[3]) || b[2]-b[0] > MaxBBoxDeg || b[3]-b[1] > MaxBBoxDeg {
		return renew.Invalid("bbox: west,south,east,north in degrees (lon/lat), each side at most %g°", MaxBBoxDeg)
	}
	return nil
}

// ParseCodes reads a comma-separated list of codes, each one of allowed; empty gives nil.
// Duplicates are dropped; order is kept.
func ParseCodes(name, s string, allowed []string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if !ok[p] {
			return nil, renew.Invalid("%s: one or more of %s, separated by commas", name, strings.Join(allowed, ", "))
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// CheckMembers validates an area's member ids: 1…MaxMembers positive ids. It returns them
// without duplicates, in the order given.
func CheckMembers(ids []int64) ([]int64, error) {
	if len(ids) == 0 || len(ids) > MaxMembers {
		return nil, renew.Invalid("members: from 1 to %d community ids", MaxMembers)
	}
	out := make([]int64, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if id < 1 || id > math.MaxInt32 {
			return nil, renew.Invalid("members: %d is not a community id", id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// CheckName validates an area's name: valid UTF-8, trimmed, 1…MaxNameLen characters, no control
// characters. It returns the trimmed name.
func CheckName(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := renew.Invalid("name: 1 to %d characters, no control characters", MaxNameLen)
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxNameLen {
		return "", bad
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", bad
		}
	}
	return s, nil
}
