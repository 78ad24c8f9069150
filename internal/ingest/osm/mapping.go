package osm

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/osm"
)

// The mapping tables. docs/osm-mapping.md documents the same rules; keep them in step.

// roadClasses maps highway=* to a road_class code. Values not listed (proposed, construction,
// platform, bus_stop, raceway, elevator, …) are not roads.
var roadClasses = map[string]string{
	"motorway": "arterial", "motorway_link": "arterial",
	"trunk": "arterial", "trunk_link": "arterial",
	"primary": "arterial", "primary_link": "arterial",
	"secondary": "secondary", "secondary_link": "secondary",
	"tertiary": "secondary", "tertiary_link": "secondary",
	"residential": "branch", "unclassified": "branch", "living_street": "branch",
	"service": "branch", "road": "branch", "track": "branch",
	"footway": "footway", "path": "footway", "pedestrian": "footway", "steps": "footway",
	"cycleway": "footway", "bridleway": "footway", "corridor": "footway",
}

// notWalkableHighways are the highway classes closed to pedestrians.
var notWalkableHighways = map[string]bool{
	"motorway": true, "motorway_link": true, "trunk": true, "trunk_link": true,
}

// yes reports whether an access-type value grants access.
func yes(v string) bool {
	switch v {
	case "yes", "designated", "permissive", "destination", "official":
		return true
	}
	return false
}

// roadClass returns the class of a highway way inside a community (internal) or not, and
// whether it is a road at all.
func roadClass(tags osm.Tags, inCommunity bool) (string, bool) {
	class, ok := roadClasses[tags.Find("highway")]
	if !ok || tags.Find("area") == "yes" && tags.Find("highway") != "pedestrian" {
		return "", false
	}
	if inCommunity && class == "branch" {
		return "internal", true
	}
	return class, true
}

// walkable tells whether pedestrians may use a highway way. A community's own paths stay
// walkable when tagged access=private: that is the residents' access, and the wall-and-gate
// model keeps others out.
func walkable(tags osm.Tags, inCommunity bool) bool {
	if notWalkableHighways[tags.Find("highway")] {
		return false
	}
	foot := tags.Find("foot")
	if foot == "no" || foot == "use_sidepath" {
		return false
	}
	if yes(foot) {
		return true
	}
	switch tags.Find("access") {
	case "no":
		return false
	case "private":
		return inCommunity
	}
	return true
}

// communityTags tells whether an element is a community: landuse=residential.
func communityTags(tags osm.Tags) bool { return tags.Find("landuse") == "residential" }

// buildingTags tells whether an element is a building that stands (not planned or demolished).
func buildingTags(tags osm.Tags) bool {
	switch tags.Find("building") {
	case "", "no", "roof", "construction", "proposed", "demolished", "destroyed", "razed", "collapsed", "ruins":
		return false
	}
	return true
}

// residentialBuildings hold households. building=yes counts as residential inside a community
// (the usual tagging of Chinese compounds); dormitories do not (no households).
var residentialBuildings = map[string]bool{
	"residential": true, "apartments": true, "house": true, "detached": true,
	"semidetached_house": true, "terrace": true, "bungalow": true,
}

// lowBuildings default to 2 storeys rather than 6.
var lowBuildings = map[string]bool{
	"house": true, "detached": true, "semidetached_house": true, "bungalow": true, "terrace": true,
	"garage": true, "garages": true, "shed": true, "hut": true, "kiosk": true, "toilets": true,
	"service": true, "transformer_tower": true, "cabin": true,
}

// Building defaults when OSM does not say.
const (
	// DefaultResidentialFloors is the storeys of a residential building without building:levels:
	// the 6-storey walk-up (多层住宅) typical of Chinese communities of the 1980s–1990s.
	DefaultResidentialFloors = 6
	// DefaultOtherFloors is the storeys of other buildings without building:levels or height.
	DefaultOtherFloors = 3
	// DefaultLowFloors is for houses, garages, sheds and the like.
	DefaultLowFloors = 2
	// StoreyHeight turns a height tag into storeys, in metres.
	StoreyHeight = 3.0
	// FloorAreaPerHousehold is the gross floor area per household used to estimate households,
	// in m² (a 60–70 m² flat plus its share of stairs and walls).
	FloorAreaPerHousehold = 90.0
	// HouseholdsPerUnitFloor is the flats on each landing of a unit (单元): two in a walk-up.
	HouseholdsPerUnitFloor = 2
	// ElevatorFloors is the storeys from which a residential building is assumed to have lifts
	// (GB 50096: 7 storeys and more).
	ElevatorFloors = 7
	// AreaPerParkingSpace is the lot area per car in a surface lot, in m², aisles included.
	AreaPerParkingSpace = 25.0
)

// What OSM does not say is left unknown (NULL, shown as 未知/待核实), never filled with a
// placeholder: a community's completed year without start_date (its buildings' too), its
// property type and management, and a building's structure.

// EstimatedMark is appended to a building's number when its storeys, households or floor area
// were estimated, and to a parking name when its capacity was: the schema has no flag for it.
const EstimatedMark = "（估算）"

// Attribution is the source recorded on the synthesized district.
const Attribution = "© OpenStreetMap contributors, ODbL 1.0"

// gateKind returns the gate_kind of a node that is a gate or entrance, and whether it is one.
// Entrances of buildings (entrance=* on a building outline) are filtered out later by distance
// to a community's boundary.
func gateKind(tags osm.Tags) (string, bool) {
	b := tags.Find("barrier")
	e := tags.Find("entrance")
	var kind string
	switch b {
	case "gate", "lift_gate", "swing_gate", "sliding_gate", "entrance", "sally_port":
		kind = "both"
	case "turnstile", "full-height_turnstile", "kissing_gate", "stile":
		kind = "pedestrian"
	default:
		if e == "" || e == "no" {
			return "", false
		}
		kind = "pedestrian"
		if tags.Find("motor_vehicle") == "yes" || tags.Find("vehicle") == "yes" {
			kind = "both"
		}
	}
	if tags.Find("foot") == "no" {
		kind = "vehicle"
	}
	return kind, true
}

// kindNames are the Chinese names of facility kinds, for facilities OSM gives no name.
var kindNames = map[string]string{
	"middle_school": "初中", "large_sports_field": "大型多功能运动场地", "health_center": "社区卫生服务中心",
	"nursing_home": "养老院", "culture_center": "文化活动中心", "community_center": "社区服务中心",
	"subdistrict_office": "街道办事处", "primary_school": "小学", "medium_sports_field": "中型多功能运动场地",
	"fresh_market": "菜市场", "bus_stop": "公交车站", "community_service_station": "社区服务站",
	"culture_station": "文化活动站", "small_sports_court": "小型多功能运动场地", "outdoor_fitness": "室外健身场地",
	"kindergarten": "幼儿园", "elderly_day_care": "老年人日间照料中心", "community_shop": "社区商业网点",
	"recycling_point": "再生资源回收点", "waste_station": "生活垃圾收集站", "public_toilet": "公共厕所",
	"community_canteen": "社区食堂", "nursery": "托儿所", "health_station": "社区卫生服务站",
	"property_office": "物业管理用房", "play_ground": "儿童、老年人活动场地", "convenience_store": "便利店",
	"parcel_locker": "邮件和快件送达设施", "garbage_point": "生活垃圾收集点",
}

// Sports grounds by area (GB 50180 appendix: a 小型 court 770–1310 m², a 中型 field 3200–4200
// m², a 大型 one with a 400 m track).
const (
	mediumFieldArea = 2000.0
	largeFieldArea  = 6000.0
)

// facilityKind maps an element's tags to a facility kind; area is its footprint in m² (0 for a
// node). It returns "" for elements that are not facilities of a known kind.
func facilityKind(tags osm.Tags, area float64) string {
	name := tags.Find("name")
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(name, w) {
				return true
			}
		}
		return false
	}
	amenity, shop, leisure := tags.Find("amenity"), tags.Find("shop"), tags.Find("leisure")
	healthcare := tags.Find("healthcare")
	switch {
	case amenity == "school":
		return schoolKind(tags, has)
	case amenity == "kindergarten":
		if has("托儿所") {
			return "nursery"
		}
		return "kindergarten"
	case amenity == "childcare":
		return "nursery"
	case amenity == "hospital" || healthcare == "hospital":
		if has("服务站") {
			return "health_station"
		}
		return "health_center"
	case amenity == "clinic" || amenity == "doctors" || healthcare == "clinic" || healthcare == "doctor" || healthcare == "centre":
		if has("卫生服务中心", "医院") {
			return "health_center"
		}
		return "health_station"
	case amenity == "pharmacy" || shop == "chemist" || shop == "supermarket" || shop == "laundry" ||
		shop == "dry_cleaning" || shop == "hairdresser":
		if shop == "supermarket" && has("生鲜", "菜") {
			return "fresh_market"
		}
		return "community_shop"
	case shop == "convenience" || shop == "kiosk":
		return "convenience_store"
	case amenity == "marketplace" || shop == "greengrocer" || shop == "butcher" || shop == "seafood" || shop == "farm":
		return "fresh_market"
	case tags.Find("highway") == "bus_stop" ||
		tags.Find("public_transport") == "platform" && (tags.Find("bus") == "yes" || tags.Find("highway") == "platform"):
		return "bus_stop"
	case amenity == "toilets":
		return "public_toilet"
	case amenity == "waste_transfer_station":
		return "waste_station"
	case amenity == "waste_disposal":
		return "garbage_point"
	case amenity == "recycling":
		return "recycling_point"
	case leisure == "playground":
		return "play_ground"
	case leisure == "fitness_station":
		return "outdoor_fitness"
	case leisure == "pitch":
		switch {
		case area >= largeFieldArea:
			return "large_sports_field"
		case area >= mediumFieldArea:
			return "medium_sports_field"
		}
		return "small_sports_court"
	case leisure == "sports_centre":
		if area >= largeFieldArea {
			return "large_sports_field"
		}
		return "medium_sports_field"
	case leisure == "stadium":
		return "large_sports_field"
	case amenity == "social_facility" || amenity == "nursing_home":
		switch tags.Find("social_facility") {
		case "day_care", "outreach":
			return "elderly_day_care"
		case "nursing_home", "assisted_living", "group_home", "":
			if has("日间照料", "托老") {
				return "elderly_day_care"
			}
			return "nursing_home"
		}
		return ""
	case amenity == "post_office" || amenity == "parcel_locker":
		return "parcel_locker"
	case amenity == "community_centre":
		switch {
		case has("街道"):
			return "community_center"
		case has("文化"):
			return "culture_station"
		}
		return "community_service_station"
	case amenity == "arts_centre" && has("文化"):
		return "culture_center"
	case amenity == "townhall" && has("街道办"):
		return "subdistrict_office"
	case tags.Find("office") == "government" && has("街道办"):
		return "subdistrict_office"
	case tags.Find("office") == "property_management" || has("物业管理", "物业服务中心"):
		return "property_office"
	case amenity == "canteen" && has("社区"):
		return "community_canteen"
	}
	return ""
}

// schoolKind tells a primary from a middle school: by isced:level, then by name (小学/附小 →
// primary; 中学/附中/初中 → middle), else primary (the school a residential area most needs).
func schoolKind(tags osm.Tags, has func(...string) bool) string {
	switch {
	case has("幼儿园"):
		return "kindergarten"
	case has("小学", "附小"):
		return "primary_school"
	case has("中学", "附中", "初中", "高中"):
		return "middle_school"
	}
	for _, l := range strings.FieldsFunc(tags.Find("isced:level"), func(r rune) bool { return r == ';' || r == ',' || r == '-' }) {
		switch strings.TrimSpace(l) {
		case "1":
			return "primary_school"
		case "2", "3":
			return "middle_school"
		}
	}
	return "primary_school"
}

// parkingKind maps amenity=parking and friends to a parking_kind, and the capacity OSM gives
// (-1 when it does not).
func parkingKind(tags osm.Tags) (kind string, capacity int) {
	capacity = -1
	if c, ok := parseCount(tags.Find("capacity")); ok {
		capacity = c
	}
	switch tags.Find("amenity") {
	case "parking":
		return "car_lot", capacity
	case "parking_space":
		return "car_space", capacity
	case "charging_station":
		if tags.Find("motorcar") == "no" && (yes(tags.Find("bicycle")) || yes(tags.Find("scooter")) || yes(tags.Find("motorcycle"))) {
			return "e_bike_charging", capacity
		}
		return "ev_charger", capacity
	case "bicycle_parking":
		return "bike_shed", capacity
	}
	return "", capacity
}

// parseCount reads a non-negative integer tag ("12"; "12;14" takes the first).
func parseCount(v string) (int, bool) {
	v = strings.TrimSpace(strings.SplitN(v, ";", 2)[0])
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, false
	}
	return n, true
}

// parseMetres reads a length tag in metres ("12", "12.5 m", "12m").
func parseMetres(v string) (float64, bool) {
	v = strings.TrimSpace(strings.SplitN(v, ";", 2)[0])
	v = strings.TrimSpace(strings.TrimSuffix(v, "m"))
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || f > 1000 || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseLevels reads building:levels ("6", "5.5" rounds up, "6;7" takes the first).
func parseLevels(v string) (int, bool) {
	v = strings.TrimSpace(strings.SplitN(v, ";", 2)[0])
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 1) || f > 100 {
		return 0, false
	}
	return int(math.Ceil(f)), true
}

// parseYear reads a year from start_date ("1985", "1985-06", "~1985", "1980s" → 1980); ok is
// false outside 1900–2100 or when there is none.
func parseYear(v string) (int, bool) {
	v = strings.TrimLeft(strings.TrimSpace(v), "~")
	if len(v) < 4 {
		return 0, false
	}
	y, err := strconv.Atoi(v[:4])
	if err != nil || y < 1900 || y > 2100 {
		return 0, false
	}
	return y, true
}
