package residents

import (
	"math"
	"sort"

	"renewmap/internal/renew"
)

// ItemResult is how the households answered about one menu item.
type ItemResult struct {
	Rank  int        `json:"rank"`
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Part  string     `json:"part"`
	Class string     `json:"class"`
	Goal  renew.Goal `json:"goal"`
	// Chosen is the number of ballots that chose the item.
	Chosen int `json:"chosen"`
	// ShareOfHouseholds is Chosen over the households that were issued codes; ShareOfBallots is
	// Chosen over the ballots cast. Both are 0 when their denominator is.
	ShareOfHouseholds float64 `json:"share_of_households"`
	ShareOfBallots    float64 `json:"share_of_ballots"`
	// FirstPriority counts the ballots that ranked the item first; PriorityPoints is its Borda
	// score: a ballot gives MaxPriorities points to its first priority, one less to the next, …
	FirstPriority  int `json:"first_priority"`
	PriorityPoints int `json:"priority_points"`
	// InPlan tells whether the plan already contains the item.
	InPlan bool `json:"in_plan"`
}

// MenuResults are the tallied ballots of a menu survey.
type MenuResults struct {
	CodesIssued int `json:"codes_issued"`
	Ballots     int `json:"ballots"`
	Households  int `json:"households"`
	// Participation is Ballots over CodesIssued.
	Participation float64 `json:"participation"`
	ConsentYes    int     `json:"consent_yes"`
	ConsentNo     int     `json:"consent_no"`
	// ConsentBase is the denominator of Consent (see ConsentRate); Consent is ConsentYes over it,
	// exact (the plan stores it rounded to three places). ConsentOfBallots is ConsentYes over
	// Ballots, for reference.
	ConsentBase      int          `json:"consent_base"`
	Consent          float64      `json:"consent"`
	ConsentOfBallots float64      `json:"consent_of_ballots"`
	Items            []ItemResult `json:"items"`
}

// share is n/d, 0 when d is 0.
func share(n, d int) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// ConsentRate is the consent of a menu survey: the ballots that agree over the community's
// households (recorded when the survey opened). A household that did not answer counts as not
// agreeing, as the 2/3 rule of 国办发〔2020〕23号 counts households, not answers. When the community
// records no households the codes issued stand in for them. ok is false when both are 0.
func ConsentRate(yes, households, codesIssued int) (rate float64, base int, ok bool) {
	base = households
	if base <= 0 {
		base = codesIssued
	}
	if base <= 0 {
		return 0, 0, false
	}
	return float64(yes) / float64(base), base, true
}

// RoundConsent rounds a rate to the three places plans.consent_rate keeps (numeric(4, 3)).
// For communities of fewer than 2,000 households no rate below 2/3 rounds up to 0.667: k/n < 2/3
// means 2/3 − k/n ≥ 1/(3n) > 1/6000 = 2/3 − 0.6665, so k/n < 0.6665 and rounds to 0.666 or less.
func RoundConsent(r float64) float64 { return math.Round(r*1000) / 1000 }

// TallyMenu counts menu ballots item by item and ranks the items: by the households choosing
// them, then by priority points, then by their order in menu. Items nobody chose are listed too
// (rank after the chosen ones), so the planner sees the whole menu. inPlan names the menu codes
// the plan already holds.
func TallyMenu(menu []renew.MenuItem, ballots []Ballot, codesIssued, households, maxPriorities int, inPlan map[string]bool) MenuResults {
	r := MenuResults{CodesIssued: codesIssued, Ballots: len(ballots), Households: households}
	idx := make(map[string]int, len(menu))
	items := make([]ItemResult, len(menu))
	for i, m := range menu {
		idx[m.Code] = i
		items[i] = ItemResult{Code: m.Code, Name: m.Name, Part: m.Part, Class: m.Class, Goal: m.Goal, InPlan: inPlan[m.Code]}
	}
	for _, b := range ballots {
		if b.Consent != nil {
			if *b.Consent {
				r.ConsentYes++
			} else {
				r.ConsentNo++
			}
		}
		for _, c := range b.Choices {
			if i, ok := idx[c]; ok {
				items[i].Chosen++
			}
		}
		for k, p := range b.Priorities {
			i, ok := idx[p]
			if !ok || k >= maxPriorities {
				continue
			}
			items[i].PriorityPoints += maxPriorities - k
			if k == 0 {
				items[i].FirstPriority++
			}
		}
	}
	for i := range items {
		items[i].ShareOfHouseholds = share(items[i].Chosen, codesIssued)
		items[i].ShareOfBallots = share(items[i].Chosen, len(ballots))
	}
	sort.SliceStable(items, func(a, b int) bool {
		if items[a].Chosen != items[b].Chosen {
			return items[a].Chosen > items[b].Chosen
		}
		return items[a].PriorityPoints > items[b].PriorityPoints
	})
	for i := range items {
		items[i].Rank = i + 1
	}
	r.Items = items
	r.Participation = share(len(ballots), codesIssued)
	r.Consent, r.ConsentBase, _ = ConsentRate(r.ConsentYes, households, codesIssued)
	r.ConsentOfBallots = share(r.ConsentYes, len(ballots))
	return r
}

// GoalResult is the residents' rating of one goal: how many rated it, the mean (0 when nobody
// did) and how many gave 1, 2, 3, 4 and 5 points.
type GoalResult struct {
	Goal         renew.Goal `json:"goal"`
	Name         string     `json:"name"`
	Count        int        `json:"count"`
	Mean         float64    `json:"mean"`
	Distribution [5]int     `json:"distribution"`
}

// TallySatisfaction rates the six goals, in the plan's order, from satisfaction ballots.
func TallySatisfaction(ballots []Ballot) []GoalResult {
	out := make([]GoalResult, len(renew.Goals))
	for i, g := range renew.Goals {
		out[i] = GoalResult{Goal: g, Name: g.Name()}
		for _, b := range ballots {
			if v, ok := b.Ratings[g]; ok && v >= 1 && v <= 5 {
				out[i].Distribution[v-1]++
			}
		}
		out[i].finish()
	}
	return out
}

// MergeGoals pools goal results of several communities into one per goal (the district's
// average weighs every ballot alike, not every community).
func MergeGoals(sets ...[]GoalResult) []GoalResult {
	out := make([]GoalResult, len(renew.Goals))
	for i, g := range renew.Goals {
		out[i] = GoalResult{Goal: g, Name: g.Name()}
		for _, set := range sets {
			for _, r := range set {
				if r.Goal == g {
					for k := range r.Distribution {
						out[i].Distribution[k] += r.Distribution[k]
					}
				}
			}
		}
		out[i].finish()
	}
	return out
}

// finish computes Count and Mean from Distribution.
func (g *GoalResult) finish() {
	sum := 0
	g.Count = 0
	for k, n := range g.Distribution {
		g.Count += n
		sum += n * (k + 1)
	}
	g.Mean = share(sum, g.Count)
}

// OverallMean is the mean of all ratings of all goals (0 when there are none).
func OverallMean(gs []GoalResult) float64 {
	sum, n := 0, 0
	for _, g := range gs {
		for k, c := range g.Distribution {
			sum += c * (k + 1)
			n += c
		}
	}
	return share(sum, n)
}
