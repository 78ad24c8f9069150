package planning

import (
	"sort"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// Member is a community (小区) as a member of an area: what the totals are made of.
type Member struct {
	ID            int64   `json:"id"`
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Subdistrict   string  `json:"subdistrict"` // 街道 name
	Buildings     int     `json:"buildings"`
	Households    int     `json:"households"`
	FloorArea     float64 `json:"floor_area"`
	CompletedYear *int    `json:"completed_year"` // nil: unknown (未知/待核实)
	IsOld         *bool   `json:"is_old"`         // nil when the completed year is unknown
	Batch         string  `json:"batch"`          // "" outside the programme
	Stage         string  `json:"stage"`
}

// Totals are an area's sums: communities, buildings, households, floor area, the span of
// completion years and how many communities are in each batch and stage ("none" for those
// without a plan).
type Totals struct {
	Communities   int            `json:"communities"`
	Buildings     int            `json:"buildings"`
	Households    int            `json:"households"`
	FloorArea     float64        `json:"floor_area"`
	CompletedFrom int            `json:"completed_from"` // 0 without members
	CompletedTo   int            `json:"completed_to"`
	UnknownYear   int            `json:"unknown_year"` // members whose completed year is unknown
	Batches       map[string]int `json:"batches"`
	Stages        map[string]int `json:"stages"`
}

// NoPlan is the batch and stage key of communities outside the programme.
const NoPlan = "none"

// Sum adds up members. Empty input gives zero totals with empty (not nil) maps.
func Sum(ms []Member) Totals {
	t := Totals{Batches: map[string]int{}, Stages: map[string]int{}}
	for _, m := range ms {
		t.Communities++
		t.Buildings += m.Buildings
		t.Households += m.Households
		t.FloorArea += m.FloorArea
		if y := m.CompletedYear; y != nil {
			if t.CompletedFrom == 0 || *y < t.CompletedFrom {
				t.CompletedFrom = *y
			}
			if *y > t.CompletedTo {
				t.CompletedTo = *y
			}
		} else {
			t.UnknownYear++
		}
		b, s := m.Batch, m.Stage
		if b == "" {
			b = NoPlan
		}
		if s == "" {
			s = NoPlan
		}
		t.Batches[b]++
		t.Stages[s]++
	}
	// Floor areas are stored to 0.1 m²; keep the sum free of float noise.
	t.FloorArea = float64(int64(t.FloorArea*10+0.5)) / 10
	return t
}

// Cluster is one group of communities found by the database (ST_ClusterDBSCAN) with the union of
// their outlines.
type Cluster struct {
	Members []Member
	Outline orb.Geometry
}

// Suggestion is a suggested area (建议片区).
type Suggestion struct {
	Key     string       `json:"key"` // S1, S2, … by rank
	Members []Member     `json:"members"`
	Totals  Totals       `json:"totals"`
	Outline orb.Geometry `json:"-"`
}

// Suggest shapes clusters into suggestions: those with at least minMembers communities, members
// ordered by id, ranked by households (then communities, then the lowest member id), keyed S1,
// S2, … in that order. It never returns nil.
func Suggest(cs []Cluster, minMembers int) []Suggestion {
	out := []Suggestion{}
	for _, c := range cs {
		if len(c.Members) == 0 || len(c.Members) < minMembers {
			continue
		}
		ms := append([]Member(nil), c.Members...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
		out = append(out, Suggestion{Members: ms, Totals: Sum(ms), Outline: c.Outline})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Totals.Households != b.Totals.Households {
			return a.Totals.Households > b.Totals.Households
		}
		if a.Totals.Communities != b.Totals.Communities {
			return a.Totals.Communities > b.Totals.Communities
		}
		return a.Members[0].ID < b.Members[0].ID
	})
	for i := range out {
		out[i].Key = "S" + strconv.Itoa(i+1)
	}
	return out
}

// KindInfo is a facility kind as the gap analysis needs it.
type KindInfo struct {
	Code     string `json:"kind"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Required bool   `json:"required"`
	// NoData: the dataset holds no facility of the kind (无数据): never a gap.
	NoData bool `json:"no_data"`
}

// CommunityCover is one community's households and those covered per kind (aligned with the
// kinds given to AreaGaps).
type CommunityCover struct {
	ID         int64
	Households int
	Covered    []int
}

// AreaKind is an area's coverage of one kind: its households, those covered, the share, whether
// it is a gap of the area (a required kind covering less than GapShare of the households) and the
// members for which it is a gap on their own.
type AreaKind struct {
	KindInfo
	Households int     `json:"households"`
	Covered    int     `json:"covered"`
	Lacking    int     `json:"lacking"`
	Share      float64 `json:"share"`
	Gap        bool    `json:"gap"`
	GapMembers []int64 `json:"gap_members"`
}

// GapShare is the share of households that must be covered for a required kind not to be a gap;
// the same rule as the walking-network engine's per community (access.GapShare).
const GapShare = 0.5

// AreaGaps sums the members' coverage per kind. A kind is a gap of the area when it is required
// and less than GapShare of the area's households are covered: a shared gap (共性缺口), which one
// facility may close for several communities. Members without households are left out. A kind
// without data (KindInfo.NoData) is no gap, of the area or of a member.
func AreaGaps(kinds []KindInfo, members []CommunityCover) []AreaKind {
	out := make([]AreaKind, len(kinds))
	for k, kind := range kinds {
		ak := AreaKind{KindInfo: kind, GapMembers: []int64{}}
		for _, m := range members {
			if m.Households <= 0 || k >= len(m.Covered) {
				continue
			}
			cov := min(m.Covered[k], m.Households)
			ak.Households += m.Households
			ak.Covered += cov
			if kind.Required && !kind.NoData && float64(cov) < GapShare*float64(m.Households) {
				ak.GapMembers = append(ak.GapMembers, m.ID)
			}
		}
		ak.Lacking = ak.Households - ak.Covered
		if ak.Households > 0 {
			ak.Share = float64(ak.Covered) / float64(ak.Households)
			ak.Gap = kind.Required && !kind.NoData && float64(ak.Covered) < GapShare*float64(ak.Households)
		}
		out[k] = ak
	}
	return out
}

// Area is a saved area (片区): its members and their outline.
type Area struct {
	ID        int64        `json:"id"`
	Code      string       `json:"code"`
	Name      string       `json:"name"`
	Origin    string       `json:"origin"` // area_origin: suggested, saved, drawn
	CreatedAt time.Time    `json:"created_at"`
	CreatedBy string       `json:"created_by"`
	UpdatedAt time.Time    `json:"updated_at"`
	UpdatedBy string       `json:"updated_by"`
	Members   []Member     `json:"members"`
	Totals    Totals       `json:"totals"`
	BBox      [4]float64   `json:"bbox"` // west, south, east, north
	Outline   orb.Geometry `json:"-"`
}

// Origins an area may be saved with (area_origin_labels).
var Origins = []string{"suggested", "saved", "drawn"}
