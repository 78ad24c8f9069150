package osm

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
)

func tags(kv ...string) osm.Tags {
	var ts osm.Tags
	for i := 0; i+1 < len(kv); i += 2 {
		ts = append(ts, osm.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return ts
}

func TestRoadMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tags     osm.Tags
		inside   bool
		class    string
		walkable bool
	}{
		{tags("highway", "primary"), false, "arterial", true},
		{tags("highway", "motorway"), false, "arterial", false},
		{tags("highway", "trunk_link"), false, "arterial", false},
		{tags("highway", "tertiary"), false, "secondary", true},
		{tags("highway", "service"), false, "branch", true},
		{tags("highway", "service"), true, "internal", true},
		{tags("highway", "service", "access", "private"), false, "branch", false},
		{tags("highway", "service", "access", "private"), true, "internal", true},
		{tags("highway", "service", "access", "private", "foot", "yes"), false, "branch", true},
		{tags("highway", "footway", "foot", "no"), false, "footway", false},
		{tags("highway", "steps"), true, "footway", true},
		{tags("highway", "cycleway", "access", "no"), false, "footway", false},
	} {
		class, ok := roadClass(tc.tags, tc.inside)
		if !ok || class != tc.class || walkable(tc.tags, tc.inside) != tc.walkable {
			t.Errorf("%v inside=%v: class %q %v, walkable %v; want %q %v", tc.tags, tc.inside, class, ok, walkable(tc.tags, tc.inside), tc.class, tc.walkable)
		}
	}
	for _, v := range []string{"proposed", "construction", "platform", "bus_stop", "raceway"} {
		if _, ok := roadClass(tags("highway", v), false); ok {
			t.Errorf("highway=%s is a road", v)
		}
	}
}

func TestFacilityMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tags osm.Tags
		area float64
		kind string
	}{
		{tags("amenity", "school", "name", "清华大学附属小学"), 0, "primary_school"},
		{tags("amenity", "school", "name", "清华附中"), 0, "middle_school"},
		{tags("amenity", "school", "name", "北京市第一〇一中学"), 0, "middle_school"},
		{tags("amenity", "school", "isced:level", "2"), 0, "middle_school"},
		{tags("amenity", "school"), 0, "primary_school"},
		{tags("amenity", "kindergarten"), 0, "kindergarten"},
		{tags("amenity", "hospital"), 0, "health_center"},
		{tags("amenity", "clinic"), 0, "health_station"},
		{tags("amenity", "clinic", "name", "学院路社区卫生服务中心"), 0, "health_center"},
		{tags("amenity", "doctors"), 0, "health_station"},
		{tags("amenity", "pharmacy"), 0, "community_shop"},
		{tags("shop", "supermarket"), 0, "community_shop"},
		{tags("shop", "convenience"), 0, "convenience_store"},
		{tags("amenity", "marketplace"), 0, "fresh_market"},
		{tags("shop", "greengrocer"), 0, "fresh_market"},
		{tags("highway", "bus_stop"), 0, "bus_stop"},
		{tags("public_transport", "platform", "bus", "yes"), 0, "bus_stop"},
		{tags("public_transport", "platform", "train", "yes"), 0, ""},
		{tags("amenity", "toilets"), 0, "public_toilet"},
		{tags("amenity", "waste_disposal"), 0, "garbage_point"},
		{tags("amenity", "waste_transfer_station"), 0, "waste_station"},
		{tags("amenity", "recycling"), 0, "recycling_point"},
		{tags("leisure", "playground"), 0, "play_ground"},
		{tags("leisure", "fitness_station"), 0, "outdoor_fitness"},
		{tags("leisure", "pitch"), 600, "small_sports_court"},
		{tags("leisure", "pitch"), 3500, "medium_sports_field"},
		{tags("leisure", "pitch"), 8000, "large_sports_field"},
		{tags("leisure", "sports_centre"), 3000, "medium_sports_field"},
		{tags("amenity", "social_facility", "social_facility", "nursing_home"), 0, "nursing_home"},
		{tags("amenity", "social_facility", "social_facility", "assisted_living"), 0, "nursing_home"},
		{tags("amenity", "social_facility", "social_facility", "day_care", "social_facility:for", "senior"), 0, "elderly_day_care"},
		{tags("amenity", "post_office"), 0, "parcel_locker"},
		{tags("amenity", "parcel_locker"), 0, "parcel_locker"},
		{tags("amenity", "community_centre"), 0, "community_service_station"},
		{tags("amenity", "community_centre", "name", "清华园街道社区服务中心"), 0, "community_center"},
		{tags("amenity", "restaurant"), 0, ""},
		{tags("amenity", "parking"), 0, ""},
	} {
		if got := facilityKind(tc.tags, tc.area); got != tc.kind {
			t.Errorf("%v (%.0f m²): %q, want %q", tc.tags, tc.area, got, tc.kind)
		}
	}
}

func TestParkingAndGateMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tags     osm.Tags
		kind     string
		capacity int
	}{
		{tags("amenity", "parking"), "car_lot", -1},
		{tags("amenity", "parking", "capacity", "120"), "car_lot", 120},
		{tags("amenity", "parking_space"), "car_space", -1},
		{tags("amenity", "charging_station", "capacity", "4"), "ev_charger", 4},
		{tags("amenity", "charging_station", "motorcar", "no", "bicycle", "yes"), "e_bike_charging", -1},
		{tags("amenity", "bicycle_parking", "capacity", "x"), "bike_shed", -1},
	} {
		if k, c := parkingKind(tc.tags); k != tc.kind || c != tc.capacity {
			t.Errorf("%v: %q %d, want %q %d", tc.tags, k, c, tc.kind, tc.capacity)
		}
	}
	for _, tc := range []struct {
		tags osm.Tags
		kind string
	}{
		{tags("barrier", "gate"), "both"},
		{tags("barrier", "lift_gate"), "both"},
		{tags("barrier", "gate", "foot", "no"), "vehicle"},
		{tags("barrier", "turnstile"), "pedestrian"},
		{tags("entrance", "main"), "pedestrian"},
		{tags("barrier", "bollard"), ""},
	} {
		if k, _ := gateKind(tc.tags); k != tc.kind {
			t.Errorf("%v: %q, want %q", tc.tags, k, tc.kind)
		}
	}
	for v, want := range map[string]int{"6": 6, "5.5": 6, "6;7": 6, "0": 0, "x": 0} {
		if got, _ := parseLevels(v); got != want {
			t.Errorf("levels %q: %d, want %d", v, got, want)
		}
	}
	for v, want := range map[string]int{"1985": 1985, "1985-06": 1985, "~1990": 1990, "1980s": 1980, "85": 0, "1850": 0} {
		if got, _ := parseYear(v); got != want {
			t.Errorf("year %q: %d, want %d", v, got, want)
		}
	}
}

func TestSimplePolygons(t *testing.T) {
	t.Parallel()
	sq := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	bow := orb.Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}
	spike := orb.Ring{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}
	hole := orb.Ring{{0.2, 0.2}, {0.4, 0.2}, {0.4, 0.4}, {0.2, 0.2}}
	outside := orb.Ring{{2, 2}, {3, 2}, {3, 3}, {2, 2}}
	for name, tc := range map[string]struct {
		mp   orb.MultiPolygon
		want bool
	}{
		"square":       {orb.MultiPolygon{{sq}}, true},
		"bow tie":      {orb.MultiPolygon{{bow}}, false},
		"spike":        {orb.MultiPolygon{{spike}}, false},
		"hole":         {orb.MultiPolygon{{sq, hole}}, true},
		"hole outside": {orb.MultiPolygon{{sq, outside}}, false},
		"two":          {orb.MultiPolygon{{sq}, {outside}}, true},
		"nested":       {orb.MultiPolygon{{sq}, {hole}}, false},
		"too short":    {orb.MultiPolygon{{orb.Ring{{0, 0}, {1, 0}, {0, 0}}}}, false},
	} {
		if got := simplePolygons(tc.mp); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
