package planning

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// The gaps lacking the most households choose first, and a site serves one gap: the second gap
// takes the next best site, and a gap no free site can host gets none.
func TestSiteGaps(t *testing.T) {
	f := &fakeCoverer{
		bld:   map[string][2]int64{"b1": {1, 100}, "b2": {1, 50}},
		sites: map[int64][]string{10: {"b1"}, 20: {"b2"}},
	}
	sites := []Site{{ID: 10, Name: "old boiler house", Hostable: []string{"a", "b"}}, {ID: 20, Name: "yard", Hostable: []string{"a"}}}
	gaps := []AreaKind{
		{KindInfo: KindInfo{Code: "a", Name: "A"}, Lacking: 100, Gap: true},
		{KindInfo: KindInfo{Code: "b", Name: "B"}, Lacking: 300, Gap: true},
		{KindInfo: KindInfo{Code: "c", Name: "C"}, Lacking: 500}, // not a shared gap
		{KindInfo: KindInfo{Code: "d", Name: "D"}, Lacking: 50, Gap: true},
	}
	best, works, err := SiteGaps(context.Background(), f, gaps, sites, map[int64]bool{1: true})
	if err != nil {
		t.Fatal(err)
	}
	type choice struct {
		kind  string
		site  int64
		newly int
	}
	var got []choice
	for _, b := range best {
		c := choice{kind: b.Kind.Code, newly: b.Newly}
		if b.Site != nil {
			c.site = b.Site.ID
		}
		got = append(got, c)
	}
	if want := []choice{{"b", 10, 100}, {"a", 20, 50}, {"d", 0, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("choices = %+v, want %+v", got, want)
	}
	if len(works) != 3 || works[0].Kind != "b" || works[0].KindName != "B" || works[0].Site.ID != 10 || works[2].Site != nil {
		t.Errorf("works = %+v", works)
	}

	// No gap: an empty list (JSON []), not null.
	best, _, err = SiteGaps(context.Background(), f, gaps[2:3], sites, nil)
	if b, _ := json.Marshal(best); err != nil || string(b) != "[]" {
		t.Errorf("no gaps: %s, %v", b, err)
	}
	// The coverer's error stops the choice.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := SiteGaps(ctx, f, gaps, sites, nil); err == nil {
		t.Error("cancelled: no error")
	}
}

func TestSummarisePipes(t *testing.T) {
	gs := []PipeGroup{
		{Kind: "water", Condition: "poor", Operator: "X", Pipes: 2, LengthM: 10.04, FailingM: 5},
		{Kind: "gas", Condition: "poor", Operator: "Y", Pipes: 1, LengthM: 30},
		{Kind: "water", Condition: "good", Operator: "Y", Pipes: 3, LengthM: 20.02, FailingM: 1.26},
	}
	ps, failing := SummarisePipes(gs, 2024)
	if ps.Year != 2024 || len(ps.Groups) != 3 || ps.LengthM != 60.1 || ps.FailingM != 6.3 {
		t.Errorf("totals = %+v", ps)
	}
	for name, tc := range map[string]struct{ got, want []Length }{
		"by kind":      {ps.ByKind, []Length{{"water", 30.1, 5}, {"gas", 30, 1}}},
		"by condition": {ps.ByCondition, []Length{{"poor", 40, 3}, {"good", 20, 3}}},
		"by operator":  {ps.ByOperator, []Length{{"Y", 50, 4}, {"X", 10, 2}}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %+v, want %+v", name, tc.got, tc.want)
		}
	}
	if !reflect.DeepEqual(failing, map[string]float64{"water": 6.26, "gas": 0}) {
		t.Errorf("failing = %v", failing)
	}

	// No pipes: empty lists (JSON []), zero lengths.
	ps, failing = SummarisePipes(nil, 2024)
	b, _ := json.Marshal(ps)
	if want := `{"year":2024,"groups":null,"by_kind":[],"by_condition":[],"by_operator":[],"length_m":0,"failing_m":0}`; string(b) != want || len(failing) != 0 {
		t.Errorf("no pipes = %s, want %s", b, want)
	}
}

// Report joins the pieces; a role that may not see pipelines gets no pipe section and no pipe
// costs, whatever groups it is given.
func TestReport(t *testing.T) {
	f := &fakeCoverer{bld: map[string][2]int64{"b1": {1, 100}}, sites: map[int64][]string{10: {"b1"}}}
	in := AreaInput{
		Kinds:   []KindInfo{{Code: "a", Name: "A", Required: true}},
		Covers:  []CommunityCover{{ID: 1, Households: 200, Covered: []int{20}}},
		Scope:   map[int64]bool{1: true},
		Sites:   []Site{{ID: 10, Hostable: []string{"a"}, AreaM2: 300}},
		Parking: []ParkingInput{{Community: 1, Name: "C1", Households: 200}},
		Ratio:   0.5, ChargerShare: 0.1, Year: 2024,
		Pipes: []PipeGroup{{Kind: "water", Condition: "poor", Operator: "X", Pipes: 1, LengthM: 100, FailingM: 100}},
	}
	r, err := Report(context.Background(), f, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Gaps) != 1 || !r.Gaps[0].Gap || len(r.GapSites) != 1 || r.GapSites[0].Site == nil || r.GapSites[0].Newly != 100 {
		t.Errorf("gaps %+v, sites %+v", r.Gaps, r.GapSites)
	}
	if len(r.Parking) != 1 || r.ParkingTotal.Households != 200 {
		t.Errorf("parking %+v, total %+v", r.Parking, r.ParkingTotal)
	}
	if r.Pipes != nil {
		t.Errorf("pipes shown to a role that may not see them: %+v", r.Pipes)
	}
	in.SeesPipes = true
	if r, err = Report(context.Background(), f, in); err != nil || r.Pipes == nil || r.Pipes.FailingM != 100 {
		t.Errorf("pipes = %+v, %v", r.Pipes, err)
	}
}
