package planning

import "math"

// Parking kinds, as in parking_kind_labels.
const (
	CarSpace      = "car_space"
	CarLot        = "car_lot"
	EVCharger     = "ev_charger"
	BikeShed      = "bike_shed"
	EBikeCharging = "e_bike_charging"
)

// Supply is a community's parking by kind: the summed capacity of each kind (spaces, a car park's
// spaces, chargers, bike-shed places, e-bike charging points) and how many features of each.
type Supply struct {
	Capacity map[string]int `json:"capacity"`
	Count    map[string]int `json:"count"`
}

// ParkingInput is one community's households and supply.
type ParkingInput struct {
	Community  int64  `json:"community"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Households int    `json:"households"`
	Supply     Supply `json:"supply"`
}

// ParkingGap is one community's (or an area's) parking balance.
type ParkingGap struct {
	ParkingInput
	Spaces        int `json:"spaces"`         // car spaces + car-park spaces
	Demand        int `json:"demand"`         // ⌈households × ratio⌉
	Gap           int `json:"gap"`            // max(0, demand − spaces)
	DemandFull    int `json:"demand_full"`    // households × 1.0 (the new-build norm)
	GapFull       int `json:"gap_full"`       // max(0, households − spaces)
	Chargers      int `json:"chargers"`       // EV chargers
	ChargerDemand int `json:"charger_demand"` // ⌈max(spaces, demand) × share⌉
	ChargerGap    int `json:"charger_gap"`    // max(0, charger demand − chargers)
	PerHundred    int `json:"spaces_per_100"` // spaces per 100 households, rounded down
	BikePlaces    int `json:"bike_places"`    // bike-shed places + e-bike charging points
}

// ceilEps rounds up, forgiving float noise (0.6 × 100 is 60.00000000000001).
func ceilEps(x float64) int { return int(math.Ceil(x - 1e-9)) }

// Gap computes the balance of in against ratio spaces per household and chargerShare of the
// spaces.
func Gap(in ParkingInput, ratio, chargerShare float64) ParkingGap {
	capOf := func(k string) int { return in.Supply.Capacity[k] }
	g := ParkingGap{ParkingInput: in}
	if g.Supply.Capacity == nil {
		g.Supply.Capacity = map[string]int{}
	}
	if g.Supply.Count == nil {
		g.Supply.Count = map[string]int{}
	}
	hh := max(in.Households, 0)
	g.Spaces = capOf(CarSpace) + capOf(CarLot)
	g.Demand = ceilEps(float64(hh) * ratio)
	g.Gap = max(0, g.Demand-g.Spaces)
	g.DemandFull = hh
	g.GapFull = max(0, hh-g.Spaces)
	g.Chargers = capOf(EVCharger)
	g.ChargerDemand = ceilEps(float64(max(g.Spaces, g.Demand)) * chargerShare)
	g.ChargerGap = max(0, g.ChargerDemand-g.Chargers)
	if hh > 0 {
		g.PerHundred = g.Spaces * 100 / hh
	}
	g.BikePlaces = capOf(BikeShed) + capOf(EBikeCharging)
	return g
}

// Gaps computes every community's balance and the total, which is the balance of the summed
// households and supply (a surplus in one community is not moved to another's gap: the total's
// gaps are the sums of the communities' gaps).
func Gaps(ins []ParkingInput, ratio, chargerShare float64) ([]ParkingGap, ParkingGap) {
	rows := make([]ParkingGap, len(ins))
	total := ParkingGap{ParkingInput: ParkingInput{Name: "合计",
		Supply: Supply{Capacity: map[string]int{}, Count: map[string]int{}}}}
	for i, in := range ins {
		g := Gap(in, ratio, chargerShare)
		rows[i] = g
		total.Households += g.Households
		for k, v := range g.Supply.Capacity {
			total.Supply.Capacity[k] += v
		}
		for k, v := range g.Supply.Count {
			total.Supply.Count[k] += v
		}
		total.Spaces += g.Spaces
		total.Demand += g.Demand
		total.Gap += g.Gap
		total.DemandFull += g.DemandFull
		total.GapFull += g.GapFull
		total.Chargers += g.Chargers
		total.ChargerDemand += g.ChargerDemand
		total.ChargerGap += g.ChargerGap
		total.BikePlaces += g.BikePlaces
	}
	if total.Households > 0 {
		total.PerHundred = total.Spaces * 100 / total.Households
	}
	return rows, total
}
