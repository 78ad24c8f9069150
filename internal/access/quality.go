package access

import "renewmap/internal/topology"

// Quality is the data-quality report: what in the data makes the analyses wrong or unsure.
type Quality struct {
	Version   int64               `json:"version"`   // the walk network's version
	Isolated  []IsolatedCommunity `json:"isolated"`  // communities cut off from the public network
	Dangles   []topology.Dangle   `json:"dangles"`   // loose ends next to a road they do not touch
	Unsnapped int                 `json:"unsnapped"` // buildings and facilities with no path to snap to
	Far       []FarFeature        `json:"far"`       // buildings and facilities far from every walkable road
	FarCount  int                 `json:"far_count"` // all of them (Far may list only the first)
	Unknown   []UnknownValues     `json:"unknown"`   // per column: values the source did not give
	NoData    []Named             `json:"no_data_kinds"`
	// UnknownYear lists the communities and buildings whose completed year is unknown (or still
	// the placeholder 1900), each to be corrected on the map; UnknownYearCount counts them all.
	UnknownYear      []PlacedFeature `json:"unknown_year"`
	UnknownYearCount int             `json:"unknown_year_count"`
	// Provisional lists the communities whose outline was proposed by the service (待核实), from
	// street blocks or clusters of buildings: a planner confirms or redraws each.
	Provisional []PlacedFeature `json:"provisional"`
}

// PlacedFeature is a feature of an edit layer with a point on it, for the map to open.
type PlacedFeature struct {
	Layer string     `json:"layer"`
	ID    int64      `json:"id"`
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Point [2]float64 `json:"point"`
}

// IsolatedCommunity is an Isolated with the community's names and households.
type IsolatedCommunity struct {
	Isolated
	Code       string `json:"code"`
	Name       string `json:"name"`
	Households int    `json:"households"`
}

// FarFeature is a building or facility with no walkable road near (postgis.FarFromNetwork).
type FarFeature struct {
	Layer    string     `json:"layer"` // buildings or facilities
	ID       int64      `json:"id"`
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Point    [2]float64 `json:"point"`
	Distance *float64   `json:"distance_m"` // to the nearest walkable road; null when there is none
}

// UnknownValues counts, for one column, the rows where the source did not say (NULL, shown as
// 未知/待核实) and those still holding an old placeholder (the year 1900 of earlier OSM imports).
type UnknownValues struct {
	Layer       string `json:"layer"`
	Column      string `json:"column"`
	Label       string `json:"label"`
	Rows        int    `json:"rows"`
	Unknown     int    `json:"unknown"`
	Placeholder int    `json:"placeholder"`
}
