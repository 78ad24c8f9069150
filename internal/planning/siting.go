package planning

import (
	"context"
	"errors"
	"sort"

	"github.com/paulmach/orb"

	"renewmap/internal/renew"
)

// Site is a candidate site (候选用地) as a place for a facility: where the facility would stand
// (a point on the site's surface, lon/lat) and the community whose walls it is inside (0: none).
type Site struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Origin    string    `json:"origin"`
	AreaM2    float64   `json:"area_m2"`
	Hostable  []string  `json:"hostable_kinds"`
	Community int64     `json:"community"`
	Point     orb.Point `json:"point"`
	// Inside is true when the site lies in the area asked about; DistanceM is its distance from
	// the area's outline (0 inside).
	Inside    bool    `json:"inside"`
	DistanceM float64 `json:"distance_m"`
}

// Coverer answers what facilities would change (the walking-network engine's what-if).
type Coverer interface {
	// Newly returns, per community, the households that lack kind now and that facilities of
	// kind at all the sites together would cover. It returns renew.ErrInvalid when a site cannot
	// be placed (far from the walk network, or an unknown kind).
	Newly(ctx context.Context, kind string, sites []Site) (map[int64]int, error)
}

// Gain is what a site adds for one community.
type Gain struct {
	Community  int64 `json:"community"`
	Households int   `json:"households"`
}

// Pick is one site of a greedy choice: its rank, the households it adds to those already chosen
// (Newly), the running total, and where the added households live.
type Pick struct {
	Site
	Rank        int    `json:"rank"`
	Newly       int    `json:"newly_covered"`
	Cumulative  int    `json:"cumulative"`
	Alone       int    `json:"alone"` // households it would cover on its own
	Communities []Gain `json:"communities"`
}

// Ranked is a site with what it would cover on its own.
type Ranked struct {
	Site
	Alone       int    `json:"alone"`
	Communities []Gain `json:"communities"`
}

// Unplaced is a site the engine could not place, with the engine's reason.
type Unplaced struct {
	Site
	Reason string `json:"reason"`
}

// Siting is the answer of Greedy.
type Siting struct {
	Picks    []Pick     `json:"picks"`
	Ranking  []Ranked   `json:"ranking"`
	Unplaced []Unplaced `json:"unplaced"`
	Covered  int        `json:"covered"` // households the picks cover together
}

// MaxSites caps the candidates and MaxK the picks of one siting question.
const (
	MaxSites = 300
	MaxK     = 20
)

// Greedy chooses up to k of sites for kind by greedy maximal covering (see the package comment),
// counting only households of communities in scope (nil: every community). It stops early when no
// remaining site adds anyone. Sites the coverer cannot place are listed in Unplaced, not chosen.
// It returns renew.ErrInvalid for k outside 1…MaxK or more than MaxSites sites, and the
// coverer's other errors (ctx's among them) as they are.
func Greedy(ctx context.Context, cov Coverer, kind string, sites []Site, scope map[int64]bool, k int) (Siting, error) {
	out := Siting{Picks: []Pick{}, Ranking: []Ranked{}, Unplaced: []Unplaced{}}
	if k < 1 || k > MaxK {
		return out, renew.Invalid("k: from 1 to %d sites", MaxK)
	}
	if len(sites) > MaxSites {
		return out, renew.Invalid("at most %d candidate sites at a time", MaxSites)
	}
	count := func(m map[int64]int) int {
		n := 0
		for c, hh := range m {
			if scope == nil || scope[c] {
				n += hh
			}
		}
		return n
	}
	// Each site on its own.
	type cand struct {
		site  Site
		alone int
		per   map[int64]int
	}
	var cands []cand
	for _, s := range sites {
		per, err := cov.Newly(ctx, kind, []Site{s})
		var re *renew.Error
		if err != nil && errors.Is(err, renew.ErrInvalid) && errors.As(err, &re) {
			out.Unplaced = append(out.Unplaced, Unplaced{Site: s, Reason: re.Msg})
			continue
		}
		if err != nil {
			return out, err
		}
		cands = append(cands, cand{s, count(per), per})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].alone != cands[j].alone {
			return cands[i].alone > cands[j].alone
		}
		return cands[i].site.ID < cands[j].site.ID
	})
	for _, c := range cands {
		out.Ranking = append(out.Ranking, Ranked{Site: c.site, Alone: c.alone, Communities: gains(c.per, nil, scope)})
	}

	var chosen []Site
	used := make([]bool, len(cands))
	base := map[int64]int{}
	for len(out.Picks) < k {
		best, bestGain := -1, 0
		var bestPer map[int64]int
		for i, c := range cands {
			if used[i] {
				continue
			}
			per := c.per
			if len(chosen) > 0 {
				var err error
				if per, err = cov.Newly(ctx, kind, append(append([]Site(nil), chosen...), c.site)); err != nil {
					return out, err
				}
			}
			// cands is ordered by alone, then id: the first strict maximum wins ties.
			if g := count(per) - out.Covered; g > bestGain {
				best, bestGain, bestPer = i, g, per
			}
		}
		if best < 0 {
			break
		}
		used[best] = true
		chosen = append(chosen, cands[best].site)
		out.Covered += bestGain
		out.Picks = append(out.Picks, Pick{Site: cands[best].site, Rank: len(out.Picks) + 1, Newly: bestGain,
			Cumulative: out.Covered, Alone: cands[best].alone, Communities: gains(bestPer, base, scope)})
		base = bestPer
	}
	return out, nil
}

// gains is now − before per community in scope, positive ones only, by households then id.
func gains(now, before map[int64]int, scope map[int64]bool) []Gain {
	out := []Gain{}
	for c, hh := range now {
		if scope != nil && !scope[c] {
			continue
		}
		if d := hh - before[c]; d > 0 {
			out = append(out, Gain{Community: c, Households: d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Households != out[j].Households {
			return out[i].Households > out[j].Households
		}
		return out[i].Community < out[j].Community
	})
	return out
}
