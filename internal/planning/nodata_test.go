package planning

import "testing"

func TestAreaGapsSkipKindsWithoutData(t *testing.T) {
	kinds := []KindInfo{
		{Code: "kindergarten", Name: "幼儿园", Level: "5min", Required: true},
		{Code: "bus_stop", Name: "公交车站", Level: "10min", Required: true, NoData: true},
	}
	members := []CommunityCover{{ID: 1, Households: 100, Covered: []int{10, 0}}, {ID: 2, Households: 50, Covered: []int{0, 0}}}
	got := AreaGaps(kinds, members)
	if !got[0].Gap || len(got[0].GapMembers) != 2 {
		t.Fatalf("kindergartens reach 10 of 150 households: a gap of both members, got %+v", got[0])
	}
	if got[1].Gap || len(got[1].GapMembers) != 0 || !got[1].NoData {
		t.Fatalf("a kind without any data is 无数据, never a gap: %+v", got[1])
	}
}
