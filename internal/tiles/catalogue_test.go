package tiles_test

import (
	"slices"
	"testing"

	"renewmap/internal/renew"
	"renewmap/internal/tiles"
	tilefiles "renewmap/tiles"
)

// ForRole gives every role the layers it may see, in drawing order: pipelines and the dig-once
// overlay (the sensitive layers) only to designers, leaders and admins.
func TestForRole(t *testing.T) {
	cat, err := tiles.Load(tilefiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, l := range cat.Layers {
		all = append(all, l.ID)
	}
	public := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return id == "pipelines" || id == "dig_once" })
	if len(public) != len(all)-2 {
		t.Fatalf("the catalogue no longer has the sensitive layers pipelines and dig_once: %v", all)
	}
	for _, c := range []struct {
		role renew.Role
		want []string
	}{
		{renew.RoleViewer, public},
		{renew.RolePlanner, public},
		{renew.RoleDesigner, all},
		{renew.RoleLeader, all},
		{renew.RoleAdmin, all},
		{"", public},
		{"root", public},
	} {
		var got []string
		for _, l := range cat.ForRole(c.role) {
			got = append(got, l.ID)
			if !l.SeenBy(c.role) {
				t.Errorf("%q: ForRole gives %s, which SeenBy refuses", c.role, l.ID)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q sees %v, want %v", c.role, got, c.want)
		}
	}
}
