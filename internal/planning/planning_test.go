package planning

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"renewmap/internal/renew"
)

func year(y int) *int { return &y }

func TestSumAndSuggest(t *testing.T) {
	a := Member{ID: 3, Name: "甲", Buildings: 4, Households: 240, FloorArea: 18000.1, CompletedYear: year(1985), Batch: "implement", Stage: "construction"}
	b := Member{ID: 1, Name: "乙", Buildings: 2, Households: 100, FloorArea: 7000.2, CompletedYear: year(1979), Batch: "implement", Stage: "approved"}
	c := Member{ID: 7, Name: "丙", Buildings: 1, Households: 500, FloorArea: 30000, CompletedYear: year(1995)}
	d := Member{ID: 9, Name: "丁", Buildings: 1, Households: 10, FloorArea: 700, CompletedYear: year(1990)}
	unknown := Member{ID: 11, Name: "戊", Buildings: 1, Households: 20, FloorArea: 1000}
	got := Sum([]Member{a, b, unknown})
	want := Totals{Communities: 3, Buildings: 7, Households: 360, FloorArea: 26000.3, CompletedFrom: 1979, CompletedTo: 1985, UnknownYear: 1,
		Batches: map[string]int{"implement": 2, NoPlan: 1}, Stages: map[string]int{"construction": 1, "approved": 1, NoPlan: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Sum = %+v, want %+v", got, want)
	}
	if z := Sum(nil); z.Batches == nil || z.Stages == nil || z.Communities != 0 {
		t.Errorf("Sum(nil) = %+v", z)
	}

	// Three clusters: {a, b} (340 households), {c} alone (500), {d} alone (10).
	cs := []Cluster{{Members: []Member{d}}, {Members: []Member{a, b}}, {Members: []Member{c}}}
	s := Suggest(cs, 2)
	if len(s) != 1 || s[0].Key != "S1" || s[0].Members[0].ID != 1 || s[0].Members[1].ID != 3 {
		t.Fatalf("Suggest(min 2) = %+v", s)
	}
	s = Suggest(cs, 1)
	keys := []string{}
	for _, x := range s {
		keys = append(keys, x.Key+":"+x.Members[0].Name)
	}
	if want := []string{"S1:丙", "S2:乙", "S3:丁"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("Suggest(min 1) order = %v, want %v", keys, want)
	}
	if s := Suggest(nil, 1); s == nil || len(s) != 0 {
		t.Errorf("Suggest(nil) = %#v", s)
	}
	if s[1].Totals.Batches["none"] != 0 || Sum([]Member{c}).Batches[NoPlan] != 1 {
		t.Error("a community without a plan counts under none")
	}
}

func TestAreaGaps(t *testing.T) {
	kinds := []KindInfo{{Code: "kindergarten", Required: true}, {Code: "nursery", Required: false}, {Code: "bus_stop", Required: true}}
	members := []CommunityCover{
		{ID: 1, Households: 100, Covered: []int{100, 0, 10}}, // kindergarten fine; bus stop a gap of its own
		{ID: 2, Households: 300, Covered: []int{0, 0, 290}},  // kindergarten a gap of its own
		{ID: 3, Households: 0, Covered: []int{0, 0, 0}},      // no households: left out
	}
	got := AreaGaps(kinds, members)
	// kindergarten: 100 of 400 covered → a shared gap; member 2 lacks it on its own.
	if g := got[0]; g.Households != 400 || g.Covered != 100 || g.Lacking != 300 || !g.Gap || !reflect.DeepEqual(g.GapMembers, []int64{2}) || g.Share != 0.25 {
		t.Errorf("kindergarten = %+v", g)
	}
	// nursery is recommended, never a gap.
	if g := got[1]; g.Gap || len(g.GapMembers) != 0 || g.Lacking != 400 {
		t.Errorf("nursery = %+v", g)
	}
	// bus stop: 300 of 400 → not an area gap although member 1 lacks it.
	if g := got[2]; g.Gap || g.Covered != 300 || !reflect.DeepEqual(g.GapMembers, []int64{1}) {
		t.Errorf("bus stop = %+v", g)
	}
}

// fakeCoverer covers fixed buildings per site; a building is (community, households).
type fakeCoverer struct {
	bld   map[string][2]int64 // building → community, households
	sites map[int64][]string  // site → buildings it would cover
	calls int
}

func (f *fakeCoverer) Newly(ctx context.Context, kind string, sites []Site) (map[int64]int, error) {
	f.calls++
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := map[int64]int{}
	for _, s := range sites {
		bs, ok := f.sites[s.ID]
		if !ok {
			return nil, renew.Invalid("proposed facility 1: the point is more than 500 m from the walk network")
		}
		for _, b := range bs {
			if !seen[b] {
				seen[b] = true
				out[f.bld[b][0]] += int(f.bld[b][1])
			}
		}
	}
	return out, nil
}

func TestGreedy(t *testing.T) {
	f := &fakeCoverer{
		bld: map[string][2]int64{"b1": {1, 100}, "b2": {1, 60}, "b3": {2, 80}, "b4": {3, 30}},
		// A covers more households than B on its own; D covers what B adds after A.
		sites: map[int64][]string{10: {"b1", "b2"}, 20: {"b2", "b3"}, 30: {"b4"}, 40: {"b3"}},
	}
	sites := []Site{{ID: 40, Name: "D"}, {ID: 30, Name: "C"}, {ID: 20, Name: "B"}, {ID: 10, Name: "A"}, {ID: 50, Name: "E far"}}
	ctx := context.Background()
	type pick struct {
		name              string
		newly, cumulative int
	}
	picksOf := func(s Siting) []pick {
		var out []pick
		for _, p := range s.Picks {
			out = append(out, pick{p.Name, p.Newly, p.Cumulative})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		scope map[int64]bool
		k     int
		want  []pick
	}{
		// A (160) first; then B and D both add b3 (80): B wins the tie by covering more alone;
		// then C adds b4.
		{"district", nil, 3, []pick{{"A", 160, 160}, {"B", 80, 240}, {"C", 30, 270}}},
		{"k=1", nil, 1, []pick{{"A", 160, 160}}},
		// Only communities 1 and 2 count: C adds nobody, so the choice stops after two.
		{"scope", map[int64]bool{1: true, 2: true}, 5, []pick{{"A", 160, 160}, {"B", 80, 240}}},
		// Community 3 only: C is the one site that helps.
		{"scope 3", map[int64]bool{3: true}, 2, []pick{{"C", 30, 30}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Greedy(ctx, f, "kindergarten", sites, tc.scope, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if got := picksOf(s); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("picks = %v, want %v", got, tc.want)
			}
			if len(s.Unplaced) != 1 || s.Unplaced[0].ID != 50 || s.Unplaced[0].Reason == "" {
				t.Errorf("unplaced = %+v", s.Unplaced)
			}
		})
	}
	s, _ := Greedy(ctx, f, "kindergarten", sites, nil, 2)
	var ranking []string
	for _, r := range s.Ranking {
		ranking = append(ranking, r.Name)
	}
	if want := []string{"A", "B", "D", "C"}; !reflect.DeepEqual(ranking, want) {
		t.Errorf("ranking = %v, want %v", ranking, want)
	}
	// B's pick adds 80 households, all in community 2 (b2 was already covered by A).
	if g := s.Picks[1].Communities; !reflect.DeepEqual(g, []Gain{{Community: 2, Households: 80}}) {
		t.Errorf("B's gains = %+v", g)
	}
	if g := s.Ranking[0].Communities; !reflect.DeepEqual(g, []Gain{{Community: 1, Households: 160}}) {
		t.Errorf("A alone = %+v", g)
	}

	if _, err := Greedy(ctx, f, "k", sites, nil, 0); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("k=0: %v", err)
	}
	if _, err := Greedy(ctx, f, "k", make([]Site, MaxSites+1), nil, 1); !errors.Is(err, renew.ErrInvalid) {
		t.Errorf("too many sites: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Greedy(cctx, f, "k", sites, nil, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if s, err := Greedy(ctx, f, "k", nil, nil, 3); err != nil || len(s.Picks) != 0 || s.Ranking == nil || s.Unplaced == nil {
		t.Errorf("no sites: %+v, %v", s, err)
	}
}

func TestParkingGap(t *testing.T) {
	in := ParkingInput{Community: 1, Households: 100, Supply: Supply{Capacity: map[string]int{
		CarSpace: 12, CarLot: 20, EVCharger: 2, BikeShed: 40, EBikeCharging: 10}, Count: map[string]int{CarSpace: 12, CarLot: 1}}}
	g := Gap(in, 0.6, 0.1)
	want := ParkingGap{ParkingInput: in, Spaces: 32, Demand: 60, Gap: 28, DemandFull: 100, GapFull: 68,
		Chargers: 2, ChargerDemand: 6, ChargerGap: 4, PerHundred: 32, BikePlaces: 50}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("Gap = %+v\nwant %+v", g, want)
	}
	// A surplus is no gap; chargers are wanted for the spaces there are.
	surplus := ParkingInput{Community: 2, Households: 10, Supply: Supply{Capacity: map[string]int{CarLot: 50}}}
	g2 := Gap(surplus, 0.6, 0.1)
	if g2.Gap != 0 || g2.GapFull != 0 || g2.Demand != 6 || g2.ChargerDemand != 5 || g2.ChargerGap != 5 {
		t.Errorf("surplus: %+v", g2)
	}
	// 0.7 × 10 = 7 exactly, not 8 from float noise.
	if g := Gap(ParkingInput{Households: 10}, 0.7, 0.1); g.Demand != 7 || g.ChargerDemand != 1 {
		t.Errorf("rounding: %+v", g)
	}
	rows, total := Gaps([]ParkingInput{in, surplus}, 0.6, 0.1)
	if len(rows) != 2 || total.Households != 110 || total.Spaces != 82 || total.Gap != 28 || total.Demand != 66 ||
		total.ChargerGap != 9 || total.Supply.Capacity[CarLot] != 70 || total.PerHundred != 74 {
		t.Errorf("total: %+v", total)
	}
	if g := Gap(ParkingInput{}, 0.6, 0.1); g.Supply.Capacity == nil || g.Gap != 0 || g.PerHundred != 0 {
		t.Errorf("empty: %+v", g)
	}
}

func TestFailingAndDigOnce(t *testing.T) {
	life := Life{"cast_iron": 50, "pe": 50, "steel": 30}
	for _, tc := range []struct {
		cond, mat  string
		laid, year int
		want       []string
	}{
		{"poor", "pe", 2015, 2022, []string{ReasonCondition}},
		{"critical", "cast_iron", 1960, 2022, []string{ReasonCondition, ReasonAge}},
		{"good", "cast_iron", 1972, 2022, []string{ReasonAge}}, // exactly at its life
		{"good", "cast_iron", 1973, 2022, nil},
		{"fair", "other", 1900, 2022, nil}, // no service life: condition only
	} {
		bad, why := Failing(tc.cond, tc.mat, tc.laid, tc.year, life)
		if bad != (tc.want != nil) || !reflect.DeepEqual(why, tc.want) {
			t.Errorf("Failing(%s, %s, %d, %d) = %v %v, want %v", tc.cond, tc.mat, tc.laid, tc.year, bad, why, tc.want)
		}
	}

	roads := []Road{
		{ID: 1, Name: "红旗街", ResurfaceYear: 2022, LengthM: 200},
		{ID: 2, Name: "南环路", ResurfaceYear: 2021, LengthM: 100}, // only sound pipes under it
		{ID: 3, Name: "兴华路", ResurfaceYear: 2021, LengthM: 50},
	}
	pieces := []PipePiece{
		{Road: 1, Pipe: 11, Kind: "drainage_combined", Material: "pe", Condition: "poor", LaidYear: 2010, Operator: "排水公司", LengthM: 200},
		{Road: 1, Pipe: 12, Kind: "water_supply", Material: "cast_iron", Condition: "good", LaidYear: 1970, Operator: "供水公司", LengthM: 150.04},
		{Road: 1, Pipe: 13, Kind: "gas", Material: "pe", Condition: "good", LaidYear: 2010, Operator: "燃气公司", LengthM: 200},
		{Road: 1, Pipe: 14, Kind: "power", Material: "steel", Condition: "critical", LaidYear: 2000, Operator: "供电公司", LengthM: 0.5}, // grazes
		{Road: 2, Pipe: 21, Kind: "heating", Material: "steel", Condition: "good", LaidYear: 2000, Operator: "热力公司", LengthM: 100},
		{Road: 3, Pipe: 31, Kind: "water_supply", Material: "steel", Condition: "fair", LaidYear: 1990, Operator: "供水公司", LengthM: 40},
	}
	got, sum := DigOnce(roads, pieces, life)
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 1 {
		t.Fatalf("roads = %+v", got)
	}
	r1 := got[1]
	if r1.PipeLength != 350 || len(r1.Pipes) != 2 || r1.Pipes[0].Pipe != 11 || r1.Pipes[1].Pipe != 12 ||
		!reflect.DeepEqual(r1.Pipes[1].Reasons, []string{ReasonAge}) {
		t.Errorf("红旗街 = %+v", r1)
	}
	if want := []Length{{"drainage_combined", 200, 1}, {"water_supply", 150, 1}}; !reflect.DeepEqual(r1.ByKind, want) {
		t.Errorf("by kind = %+v", r1.ByKind)
	}
	if sum.Roads != 2 || sum.RoadLength != 250 || sum.PipeLength != 390 ||
		!reflect.DeepEqual(sum.ByOperator, []Length{{"排水公司", 200, 1}, {"供水公司", 190, 2}}) {
		t.Errorf("summary = %+v", sum)
	}
	if got, sum := DigOnce(nil, nil, nil); got == nil || sum.ByKind == nil || sum.Roads != 0 {
		t.Errorf("empty: %v %+v", got, sum)
	}
}

func TestEstimateWorks(t *testing.T) {
	menu := map[string]MenuItem{
		"I16": {Code: "I16", Name: "划置停车泊位", Unit: "个", UnitCost: 1500},
		"I13": {Code: "I13", Name: "配置充电桩", Unit: "个", UnitCost: 6000},
		"I07": {Code: "I07", Name: "排水管线改造", Unit: "m", UnitCost: 650},
		"I08": {Code: "I08", Name: "雨污分流改造", Unit: "m", UnitCost: 800},
		"P02": {Code: "P02", Name: "老旧建筑改造再利用", Unit: "m²", UnitCost: 1800},
		"P04": {Code: "P04", Name: "休闲、健身广场及健身器材", Unit: "m²", UnitCost: 300},
	}
	est := EstimateWorks(menu, ParkingGap{Gap: 28, ChargerGap: 4},
		map[string]float64{"drainage_rain": 10.5, "drainage_sewage": 20, "drainage_combined": 100, "gas": 5},
		[]FacilityWork{
			{Kind: "elderly_day_care", KindName: "托老所", Site: &Site{Name: "锅炉房", Origin: "reusable_building", AreaM2: 420}},
			{Kind: "outdoor_fitness", KindName: "健身场地", Site: &Site{Name: "空地", Origin: "vacant", AreaM2: 300}},
			{Kind: "kindergarten", KindName: "幼儿园"},
		})
	type line struct {
		code      string
		qty, cost float64
	}
	var got []line
	for _, l := range est.Lines {
		got = append(got, line{l.Code, l.Quantity, l.Cost})
	}
	want := []line{{"I16", 28, 42000}, {"I13", 4, 24000}, {"I07", 30.5, 19825}, {"I08", 100, 80000},
		{"P02", 420, 756000}, {"P04", 300, 90000}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %v\nwant %v", got, want)
	}
	if est.Total != 1011825 {
		t.Errorf("total = %v", est.Total)
	}
	// gas has no I05 in this menu; the kindergarten has no site.
	if len(est.Missing) != 2 {
		t.Errorf("missing = %v", est.Missing)
	}
}

func TestParsers(t *testing.T) {
	if g, err := ParseGap(""); err != nil || g != 50 {
		t.Errorf("default gap: %v %v", g, err)
	}
	for _, s := range []string{"0", "12.5", "500"} {
		if _, err := ParseGap(s); err != nil {
			t.Errorf("gap %q: %v", s, err)
		}
	}
	for _, s := range []string{"-1", "501", "NaN", "Infinity", "1e309", "0x1F", "abc", "1,2", " "} {
		if _, err := ParseGap(s); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("gap %q accepted", s)
		}
	}
	if r, err := ParseRatio("", 0.6); err != nil || r != 0.6 {
		t.Errorf("default ratio %v %v", r, err)
	}
	for _, s := range []string{"0", "-0.5", "3.5", "NaN"} {
		if _, err := ParseRatio(s, 0.6); err == nil {
			t.Errorf("ratio %q accepted", s)
		}
	}
	if f, to, err := ParseYears("2021", "2023", 2000, 2000); err != nil || f != 2021 || to != 2023 {
		t.Errorf("years: %v %v %v", f, to, err)
	}
	for _, p := range [][2]string{{"2024", "2021"}, {"1800", "2021"}, {"2021", "x"}, {"1900", "2100"}} {
		if _, _, err := ParseYears(p[0], p[1], 2021, 2023); err == nil {
			t.Errorf("years %v accepted", p)
		}
	}
	if err := CheckSitingBox([4]float64{124.3, 43.1, 124.4, 43.2}); err != nil {
		t.Errorf("siting box: %v", err)
	}
	for _, b := range [][4]float64{{124.4, 43.1, 124.3, 43.2}, {124.3, 43.2, 124.4, 43.1}, {124.3, 43.1, 124.3, 43.2},
		{124.3, 43.1, 124.4, 43.1}, {0, 0, 10, 10}, {124, 43, 126.5, 43.5}, {124, 43, 124.5, 45.5}} {
		if err := CheckSitingBox(b); !errors.Is(err, renew.ErrInvalid) {
			t.Errorf("siting box %v: %v, want ErrInvalid", b, err)
		}
	}
	if c, err := ParseCodes("batch", "implement,prepare,implement", []string{"implement", "prepare", "reserve"}); err != nil ||
		!reflect.DeepEqual(c, []string{"implement", "prepare"}) {
		t.Errorf("codes: %v %v", c, err)
	}
	if _, err := ParseCodes("batch", "implement,' OR 1=1", []string{"implement"}); err == nil {
		t.Error("hostile code accepted")
	}
	if _, err := CheckMembers([]int64{1, 2, 2}); err != nil {
		t.Error(err)
	}
	if _, err := CheckMembers([]int64{1, -2}); err == nil {
		t.Error("negative member accepted")
	}
	if n, err := CheckName("  铁西一号片区 "); err != nil || n != "铁西一号片区" {
		t.Errorf("name: %q %v", n, err)
	}
	for _, s := range []string{"", "  ", "a\x00b", "\xff\xfe", string(make([]rune, 101))} {
		if _, err := CheckName(s); err == nil {
			t.Errorf("name %q accepted", s)
		}
	}
}
