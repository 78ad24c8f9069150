package demo

// Property structs fix the order of the properties in the output (encoding/json writes struct
// fields in declaration order), so the bytes never change between runs.

type districtProps struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Source string `json:"source,omitempty"`
}

type subdistrictProps struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	District string `json:"district"`
}

type neighbourhoodProps struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Subdistrict string `json:"subdistrict"`
}

type communityProps struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Subdistrict   string `json:"subdistrict"`
	Neighbourhood string `json:"neighbourhood,omitempty"`
	CompletedYear int    `json:"completed_year"`
	PropertyType  string `json:"property_type"`
	Management    string `json:"management"`
	Address       string `json:"address,omitempty"`
}

type buildingProps struct {
	Code             string `json:"code"`
	Community        string `json:"community"`
	Number           string `json:"number"`
	Floors           int    `json:"floors"`
	Units            int    `json:"units"`
	Households       int    `json:"households"`
	FloorArea        int    `json:"floor_area"`
	CompletedYear    int    `json:"completed_year"`
	Structure        string `json:"structure"`
	HasElevator      bool   `json:"has_elevator"`
	ElevatorFeasible bool   `json:"elevator_feasible"`
	SafetyGrade      string `json:"safety_grade,omitempty"`
}

type roadProps struct {
	Code          string  `json:"code"`
	Name          string  `json:"name,omitempty"`
	Class         string  `json:"class"`
	Surface       string  `json:"surface,omitempty"`
	Walkable      bool    `json:"walkable"`
	ResurfaceYear int     `json:"resurface_year,omitempty"`
	WidthM        float64 `json:"width_m,omitempty"`
	Community     string  `json:"community,omitempty"`
}

type gateProps struct {
	Code      string `json:"code"`
	Community string `json:"community"`
	Name      string `json:"name,omitempty"`
	Kind      string `json:"kind"`
	OpenHours string `json:"open_hours,omitempty"`
}

type pipelineProps struct {
	Code       string   `json:"code"`
	Kind       string   `json:"kind"`
	Material   string   `json:"material"`
	DiameterMM int      `json:"diameter_mm,omitempty"`
	LaidYear   int      `json:"laid_year"`
	DepthM     *float64 `json:"depth_m,omitempty"` // 0 for overhead lines (架空线)
	Condition  string   `json:"condition"`
	Operator   string   `json:"operator"`
	Community  string   `json:"community,omitempty"`
}

type facilityProps struct {
	Code      string `json:"code"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Capacity  int    `json:"capacity,omitempty"`
	Status    string `json:"status"`
	Community string `json:"community,omitempty"`
}

type parkingProps struct {
	Code      string `json:"code"`
	Kind      string `json:"kind"`
	Capacity  int    `json:"capacity"`
	Name      string `json:"name,omitempty"`
	Community string `json:"community,omitempty"`
}

type siteProps struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	Origin        string   `json:"origin"`
	AreaM2        float64  `json:"area_m2"`
	HostableKinds []string `json:"hostable_kinds"`
	Community     string   `json:"community,omitempty"`
	Note          string   `json:"note,omitempty"`
}

type planProps struct {
	Code            string    `json:"code"`
	Community       string    `json:"community"`
	Stage           string    `json:"stage"`
	Batch           string    `json:"batch"`
	BatchYear       int       `json:"batch_year"`
	PlannedStart    string    `json:"planned_start,omitempty"`
	PlannedEnd      string    `json:"planned_end,omitempty"`
	ActualStart     string    `json:"actual_start,omitempty"`
	ActualEnd       string    `json:"actual_end,omitempty"`
	ConsentRate     float64   `json:"consent_rate,omitempty"`
	ManagementAfter string    `json:"management_after,omitempty"`
	Items           []item    `json:"items"`
	Funding         []funding `json:"funding"`
}

type item struct {
	Menu       string `json:"menu"`
	Quantity   int    `json:"quantity"`
	UnitCost   int    `json:"unit_cost"`
	Department string `json:"department"`
	Status     string `json:"status"`
}

type funding struct {
	Source string `json:"source"`
	Amount int    `json:"amount"`
}
