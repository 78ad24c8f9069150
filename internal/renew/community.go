package renew

// CommunitySummary is a community (小区) as a search result: enough to list it and fly to it.
type CommunitySummary struct {
	ID              int        `json:"id"`
	Code            string     `json:"code"`
	Name            string     `json:"name"`
	Subdistrict     string     `json:"subdistrict"`      // 街道 code
	SubdistrictName string     `json:"subdistrict_name"` // 街道 name
	Stage           *string    `json:"stage"`            // plan stage, nil outside the programme
	Batch           *string    `json:"batch"`
	IsOld           *bool      `json:"is_old"` // nil when the completed year is unknown
	Center          [2]float64 `json:"center"` // a point inside it, lon/lat
	BBox            [4]float64 `json:"bbox"`   // west, south, east, north
}
