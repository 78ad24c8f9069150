package access

import (
	"slices"
	"testing"
)

func TestIsolation(t *testing.T) {
	t.Parallel()
	in := walled()
	// Community 4 has two buildings on a path cut off from the street and one on a path that
	// reaches it through a connector.
	in.Edges = append(in.Edges,
		Edge{ID: 41, Community: 4, Line: line(200, 0, 200, 100)},
		Edge{ID: 42, Community: 4, Line: line(200, 100, 120, 120)}, // meets the public corner
		Edge{ID: 43, Community: 4, Line: line(250, 0, 250, 100)},   // no way out
	)
	in.Communities = append(in.Communities, Community{ID: 4, Subdistrict: 20})
	in.Buildings = append(in.Buildings,
		Building{ID: 401, Community: 4, Subdistrict: 20, Households: 10, Point: ll(195, 50)},
		Building{ID: 402, Community: 4, Subdistrict: 20, Households: 10, Point: ll(255, 20)},
		Building{ID: 403, Community: 4, Subdistrict: 20, Households: 10, Point: ll(255, 80)},
	)
	e := mustBuild(t, in, Options{})
	want := []Isolated{
		{Community: 2, Reason: IsolatedNoPaths, Buildings: 1},
		{Community: 3, Reason: IsolatedUnreachable, Buildings: 1},
		{Community: 4, Reason: IsolatedUnreachable, Buildings: 2},
	}
	if got := e.Isolation(); !slices.Equal(got, want) {
		t.Errorf("Isolation() = %+v, want %+v", got, want)
	}
	if st := e.Stats(); st.Components != 3 || st.Isolated != 3 {
		t.Errorf("stats: %d components and %d isolated, want 3 and 3", st.Components, st.Isolated)
	}
	if got, ok := e.CommunityIsolation(4); !ok || got != want[2] {
		t.Errorf("CommunityIsolation(4) = %+v, %v", got, ok)
	}
	if _, ok := e.CommunityIsolation(1); ok {
		t.Error("community 1 reaches the street through its gate, yet it is reported isolated")
	}

	// Community 2, provisional (待核实), is no wall: without paths of its own its building stands
	// on the public street, so it is not isolated.
	for i := range in.Communities {
		in.Communities[i].Provisional = in.Communities[i].ID == 2
	}
	e = mustBuild(t, in, Options{})
	if got := e.Isolation(); !slices.Equal(got, want[1:]) {
		t.Errorf("with community 2 provisional: Isolation() = %+v, want %+v", got, want[1:])
	}
}

func TestIsolationOfAConnectedDistrict(t *testing.T) {
	t.Parallel()
	e := mustBuild(t, synthetic(3, 1), Options{})
	if got := e.Isolation(); len(got) != 0 {
		t.Errorf("every synthetic community reaches the streets, yet Isolation() = %+v", got)
	}
	if st := e.Stats(); st.Components != 1 {
		t.Errorf("%d components, want 1", st.Components)
	}
}
