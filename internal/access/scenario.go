package access

import "github.com/paulmach/orb"

// Named is a row's code and Chinese name.
type Named struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// FacilityInfo is what the access API shows of a facility besides its distance.
type FacilityInfo struct {
	Code   string     `json:"code"`
	Name   string     `json:"name"`
	Status string     `json:"status"`
	Point  [2]float64 `json:"point"`
}

// PlannedFacility is a what-if facility to save as a planned one; KindName is its kind's
// Chinese name (for the generated name).
type PlannedFacility struct {
	Kind      string
	KindName  string
	Community int64
	Point     orb.Point
}

// Saved is a row a scenario save wrote.
type Saved struct {
	Table string `json:"table"`
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Name  string `json:"name,omitempty"`
}
