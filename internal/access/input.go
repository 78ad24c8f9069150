package access

import "github.com/paulmach/orb"

// Facility statuses, as in facility_status_labels.
const (
	StatusExisting = "existing"
	StatusPlanned  = "planned"
)

// Edge is a walkable line: a public road (Community 0) or a community's internal path,
// including the connectors that run from its gates to the public roads.
type Edge struct {
	ID        int64
	Community int64
	Line      orb.LineString // lon/lat
}

// Gate is an opening in a community's wall. The network already passes gates through the
// community's connectors; gates are kept for reference and counted in Stats.
type Gate struct {
	ID        int64
	Community int64
	Point     orb.Point
}

// Community is a 小区 with the 街道 it belongs to. Area is its outline (lon/lat), used to keep
// a walled community's interior out of circles that do not enter it; a community is walled when
// it has a gate.
type Community struct {
	ID          int64
	Subdistrict int64
	Code, Name  string
	Area        orb.MultiPolygon
	// Provisional marks an outline the service proposed (待核实) that no planner has confirmed:
	// it is no wall. The loader already gives its paths as public edges (Community 0).
	Provisional bool
}

// Building is an origin: households living at Point (a point on the building's surface or its
// entrance). Footprint (lon/lat) is drawn into the circles that reach the building; without it a
// 5 m square about Point stands for it.
type Building struct {
	ID          int64
	Community   int64
	Subdistrict int64
	Households  int
	Point       orb.Point
	Footprint   orb.MultiPolygon
}

// Facility is a destination of kind Kind; Community is 0 when it is not inside a community.
type Facility struct {
	ID        int64
	Kind      string
	Status    string // StatusExisting or StatusPlanned
	Community int64
	Point     orb.Point
}

// Kind is a facility kind of GB 50180 (a row of facility_kinds).
type Kind struct {
	Code            string
	Name            string
	Level           string // 15min, 10min, 5min, block
	Required        bool   // ▲ required; △ recommended otherwise
	ServiceDistance float64
}

// Input is everything the engine is built from. Version identifies the data it was read from
// (internal/postgis sums the data_versions of the tables involved).
type Input struct {
	Version     int64
	Edges       []Edge
	Gates       []Gate
	Communities []Community
	Buildings   []Building
	Facilities  []Facility
	Kinds       []Kind
}

// Options tune Build. The zero value is the default.
type Options struct {
	// IncludePlanned counts planned facilities as if they existed; by default coverage is the
	// state on the ground (existing facilities only).
	IncludePlanned bool
	// Limit bounds every search in metres (at least each kind's service distance); distances
	// beyond it are +Inf. 0 means 2000 m.
	Limit float64
	// LinkBeyond is how far, in metres, a building or facility may stand from its community's
	// internal paths before it gets an access link to the nearest allowed edge instead (see
	// AccessLink). 0 means 50 m.
	LinkBeyond float64
}

const (
	defaultLimit      = 2000
	defaultLinkBeyond = 50
)

// ReferenceSpeed is the walking speed, in m/s, that GB 50180's circle distances imply
// (300 m ≈ 5 minutes).
const ReferenceSpeed = 1.0

// Walking speeds of the built-in profiles, in m/s.
const (
	StandardSpeed = 1.0
	WinterSpeed   = 0.8 // icy months, older residents
)

// Profile is a walking speed with a name stored beside the circles (living_circles.profile).
type Profile struct {
	Name  string
	Speed float64 // m/s
}

// StandardProfile walks at 1.0 m/s.
func StandardProfile() Profile { return Profile{Name: "standard", Speed: StandardSpeed} }

// WinterProfile walks at 0.8 m/s: on ice, or for older residents.
func WinterProfile() Profile { return Profile{Name: "winter", Speed: WinterSpeed} }

// Minutes is how long the profile takes to walk d metres.
func (p Profile) Minutes(d float64) float64 { return d / p.Speed / 60 }

// Distance is how far the profile walks in the given minutes.
func (p Profile) Distance(minutes float64) float64 { return minutes * 60 * p.Speed }

// Level is a living-circle level: its label in minutes and its distance at ReferenceSpeed.
type Level struct {
	Minutes  int
	Distance float64
}

// DefaultLevels are GB 50180-2018's 5-, 10- and 15-minute circles: 300, 500 and 1000 m.
func DefaultLevels() []Level {
	return []Level{{Minutes: 5, Distance: 300}, {Minutes: 10, Distance: 500}, {Minutes: 15, Distance: 1000}}
}

// Threshold is one circle to compute: the level's minutes, the distance walked in that time by
// the profile, and the profile's name.
type Threshold struct {
	Minutes  int
	Distance float64
	Profile  string
}

// Thresholds gives the circles of levels for the profile: the same minutes, with distances
// scaled by the profile's speed relative to ReferenceSpeed (in winter a 5-minute circle is
// 240 m).
func (p Profile) Thresholds(levels []Level) []Threshold {
	ts := make([]Threshold, len(levels))
	for i, l := range levels {
		ts[i] = Threshold{Minutes: l.Minutes, Distance: l.Distance * p.Speed / ReferenceSpeed, Profile: p.Name}
	}
	return ts
}
