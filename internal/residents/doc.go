// Package residents is the residents' voice in the programme (决策共谋、效果共评): one-time household
// codes (generation, normalisation, hashing), the surveys' kinds and the stages they belong to,
// ballot validation, and the aggregation of ballots into ranked menu results, participation,
// consent and satisfaction per goal. It is pure Go: the store (internal/postgis) keeps surveys and
// ballots, the HTTP layer (internal/httpapi) serves the public pages. docs/residents.md explains
// the rules.
package residents
