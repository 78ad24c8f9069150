package access

// Coverage is who is covered for which kind: for the district, per subdistrict (街道), per
// community and per building. Every Covered slice is aligned with Kinds.
type Coverage struct {
	Version      int64               `json:"version"`
	Kinds        []KindCoverage      `json:"kinds"`
	Subdistricts []AreaCoverage      `json:"subdistricts"`
	Communities  []CommunityCoverage `json:"communities"`
	Buildings    []BuildingCoverage  `json:"buildings"`
}

// KindCoverage is a kind's coverage over the district.
type KindCoverage struct {
	Kind            string  `json:"kind"`
	Level           string  `json:"level"`
	Required        bool    `json:"required"`
	ServiceDistance float64 `json:"service_distance"`
	Households      int     `json:"households"`
	Covered         int     `json:"covered"` // households within the service distance
	Share           float64 `json:"share"`   // Covered / Households, 0 without households
}

// AreaCoverage is the households of a subdistrict and those covered, per kind.
type AreaCoverage struct {
	ID         int64 `json:"id"`
	Households int   `json:"households"`
	Covered    []int `json:"covered"`
}

// CommunityCoverage is a community's households, those covered per kind, and its gaps.
type CommunityCoverage struct {
	ID          int64 `json:"id"`
	Subdistrict int64 `json:"subdistrict"`
	Households  int   `json:"households"`
	Covered     []int `json:"covered"`
	Gaps        []Gap `json:"gaps"` // by level, in the order of the kinds; empty when none
}

// Gap lists a community's missing required kinds (配套缺口) of one level: those for which
// less than half of its households are covered.
type Gap struct {
	Level string   `json:"level"`
	Kinds []string `json:"kinds"`
}

// BuildingCoverage is the blind-spot overlay: how many required kinds a building misses.
type BuildingCoverage struct {
	ID         int64 `json:"id"`
	Community  int64 `json:"community"`
	Households int   `json:"households"`
	Missing    int   `json:"missing"`
}

// GapShare is the share of a community's households that must be covered for a required kind
// not to be a gap.
const GapShare = 0.5

func (e *Engine) coverage(dist [][]float32) *Coverage {
	K := len(e.kinds)
	c := &Coverage{Version: e.version, Kinds: make([]KindCoverage, K),
		Subdistricts: make([]AreaCoverage, len(e.subs)), Communities: make([]CommunityCoverage, len(e.comms)),
		Buildings: make([]BuildingCoverage, len(e.bld))}
	for i, s := range e.subs {
		c.Subdistricts[i] = AreaCoverage{ID: s, Covered: make([]int, K)}
	}
	for i, cm := range e.comms {
		c.Communities[i] = CommunityCoverage{ID: cm.ID, Subdistrict: cm.Subdistrict, Covered: make([]int, K), Gaps: []Gap{}}
	}
	for b, bl := range e.bld {
		hh := bl.Households
		var cc *CommunityCoverage
		var sc *AreaCoverage
		if ci, ok := e.commIdx[bl.Community]; ok && bl.Community != 0 {
			cc = &c.Communities[ci]
			cc.Households += hh
			if si, ok := e.subIdx[e.comms[ci].Subdistrict]; ok {
				sc = &c.Subdistricts[si]
				sc.Households += hh
			}
		}
		missing := 0
		for k, kind := range e.kinds {
			c.Kinds[k].Households += hh
			if float64(dist[k][b]) <= kind.ServiceDistance {
				c.Kinds[k].Covered += hh
				if cc != nil {
					cc.Covered[k] += hh
				}
				if sc != nil {
					sc.Covered[k] += hh
				}
			} else if kind.Required {
				missing++
			}
		}
		c.Buildings[b] = BuildingCoverage{ID: bl.ID, Community: bl.Community, Households: hh, Missing: missing}
	}
	for k, kind := range e.kinds {
		kc := &c.Kinds[k]
		kc.Kind, kc.Level, kc.Required, kc.ServiceDistance = kind.Code, kind.Level, kind.Required, kind.ServiceDistance
		if kc.Households > 0 {
			kc.Share = float64(kc.Covered) / float64(kc.Households)
		}
	}
	for i := range c.Communities {
		c.Communities[i].Gaps = e.gaps(&c.Communities[i])
	}
	return c
}

func (e *Engine) gaps(cc *CommunityCoverage) []Gap {
	gs := []Gap{}
	if cc.Households == 0 {
		return gs
	}
	for k, kind := range e.kinds {
		if !kind.Required || isGapFree(cc.Covered[k], cc.Households) {
			continue
		}
		found := false
		for i := range gs {
			if gs[i].Level == kind.Level {
				gs[i].Kinds = append(gs[i].Kinds, kind.Code)
				found = true
			}
		}
		if !found {
			gs = append(gs, Gap{Level: kind.Level, Kinds: []string{kind.Code}})
		}
	}
	return gs
}

func isGapFree(covered, households int) bool {
	return float64(covered) >= GapShare*float64(households)
}

// Kind returns the district coverage of the kind with code, and false when there is none.
func (c *Coverage) Kind(code string) (KindCoverage, bool) {
	for _, k := range c.Kinds {
		if k.Kind == code {
			return k, true
		}
	}
	return KindCoverage{}, false
}

// Community returns the coverage of the community with id, and false when there is none.
func (c *Coverage) Community(id int64) (CommunityCoverage, bool) {
	for _, cc := range c.Communities {
		if cc.ID == id {
			return cc, true
		}
	}
	return CommunityCoverage{}, false
}
