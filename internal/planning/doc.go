// Package planning is the pure logic of 片区 planning (SPEC §6.2–6.4): shaping clusters of old
// communities into suggested areas with their totals, the facility gaps an area's communities
// share and the site chosen for each (SiteGaps), greedy maximal-covering siting of a facility
// kind over candidate sites, the parking gap arithmetic, the pipelines of an area summed
// (SummarisePipes), the dig-once rule (先里子、后面子: which pipes under a road to be resurfaced
// are failing) and the cost estimate from the renovation menu's unit costs. It never touches SQL
// or HTTP: internal/postgis reads the rows it works on (the queries and records in queries.go),
// the walking-network engine answers its coverage questions through the Coverer interface
// (EngineCoverer), and internal/httpapi parses requests with the parsers here (every one fuzzed)
// and renders what these functions return.
//
// # Siting
//
// Greedy maximal covering: with sites S chosen so far, the next site is the candidate c that
// maximises cover(S ∪ {c}) − cover(S), where cover counts the households in scope that lack the
// kind now and would be within its service distance of some facility in the set. Ties go to the
// site that covers more on its own, then to the lower id. The greedy choice is within a factor
// 1 − 1/e of the best k sites (cover is submodular), and it is what a planner can follow: each
// pick says how many households it adds.
//
// # Parking
//
// Demand is households × ratio, rounded up (no national ratio exists for old communities; the
// ratio is a setting, DOMAIN.md §3), and is also given against 1 space per household. Supply is
// the car spaces plus the capacity of car parks. Chargers are wanted for a share of the spaces
// that there will be once the gap is closed.
//
// # Dig once
//
// A pipe in a road's corridor is failing at the road's resurfacing year when its condition is
// poor or critical, or when it is at or past its material's service life (laid year + life ≤
// resurfacing year). Materials without a service life are judged by their condition only.
package planning
