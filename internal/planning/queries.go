package planning

// Settings are the rows of planning_settings (the defaults of 0012_planning.sql when a
// row is missing).
type Settings struct {
	ParkingRatio float64 `json:"parking_ratio"`
	ChargerShare float64 `json:"charger_share"`
	DigBufferM   float64 `json:"dig_once_buffer_m"`
	SiteNearM    float64 `json:"site_near_m"`
	AreaCloseM   float64 `json:"area_close_m"`
}

// SuggestQuery selects the old communities to cluster: Gap is the distance in metres within which
// two communities join a cluster (0: only touching ones); Batches and Stages, when set, keep only
// communities whose plan is in one of them.
type SuggestQuery struct {
	Gap             float64
	Batches, Stages []string
}

// AreaChange is a change to an area; nil fields stay as they are.
type AreaChange struct {
	Name    *string
	Members []int64 // nil: unchanged
}

// PipeGroup is the length of the pipelines of one kind, condition and operator inside an area,
// and how much of it is failing as of a year (dig_once_failing).
type PipeGroup struct {
	Kind      string  `json:"kind"`
	Condition string  `json:"condition"`
	Operator  string  `json:"operator"`
	Pipes     int     `json:"pipes"`
	LengthM   float64 `json:"length_m"`
	FailingM  float64 `json:"failing_m"`
}

// SiteQuery selects candidate sites: those that can host Kind ("" any); near Area (inside its
// outline or within NearM metres), or intersecting BBox (lon/lat), or all.
type SiteQuery struct {
	Kind  string
	Area  int64
	NearM float64
	BBox  *[4]float64
}

// PipeCondition is the pipelines of one community or 街道: their length in metres by condition
// (good, fair, poor, critical), in all, and the share of it poor or critical (较差、危险).
type PipeCondition struct {
	ID          int64              `json:"id"`
	LengthM     float64            `json:"length_m"`
	ByCondition map[string]float64 `json:"by_condition"`
	BadShare    float64            `json:"bad_share"`
}
