package planning

import (
	"sort"

	"github.com/paulmach/orb"
)

// Pipe conditions, as in pipe_condition_labels.
const (
	ConditionPoor     = "poor"
	ConditionCritical = "critical"
)

// Reasons a pipe is failing.
const (
	ReasonCondition = "condition" // poor or critical
	ReasonAge       = "age"       // at or past its service life
)

// Life is the service life in years per pipe material; a material without one is judged by its
// condition only.
type Life map[string]int

// Failing tells whether a pipe of condition, material and laid year is failing in year (the
// road's resurfacing year), and why. It is the rule of the SQL function dig_once_failing.
func Failing(condition, material string, laidYear, year int, life Life) (bool, []string) {
	var why []string
	if condition == ConditionPoor || condition == ConditionCritical {
		why = append(why, ReasonCondition)
	}
	if y, ok := life[material]; ok && y > 0 && laidYear+y <= year {
		why = append(why, ReasonAge)
	}
	return len(why) > 0, why
}

// Road is a road planned for resurfacing.
type Road struct {
	ID            int64        `json:"id"`
	Code          string       `json:"code"`
	Name          string       `json:"name"`
	Class         string       `json:"class"`
	ResurfaceYear int          `json:"resurface_year"`
	LengthM       float64      `json:"length_m"`
	Geometry      orb.Geometry `json:"-"`
}

// PipePiece is the part of one pipe inside one road's corridor.
type PipePiece struct {
	Road      int64   `json:"road"`
	Pipe      int64   `json:"pipe"`
	Code      string  `json:"code"`
	Kind      string  `json:"kind"`
	Material  string  `json:"material"`
	Condition string  `json:"condition"`
	LaidYear  int     `json:"laid_year"`
	Operator  string  `json:"operator"`
	LengthM   float64 `json:"length_m"`
}

// MinPieceM is the shortest piece that counts: a pipe that only grazes a corridor is not under
// the road.
const MinPieceM = 1.0

// Length is a length of failing pipe for a key (a kind or an operator).
type Length struct {
	Key     string  `json:"key"`
	LengthM float64 `json:"length_m"`
	Pipes   int     `json:"pipes"`
}

// FailingPipe is a failing pipe under a road.
type FailingPipe struct {
	PipePiece
	Reasons []string `json:"reasons"`
}

// DigRoad is a road to schedule with the failing pipes under it.
type DigRoad struct {
	Road
	Pipes      []FailingPipe `json:"pipes"`
	PipeLength float64       `json:"pipe_length_m"`
	ByKind     []Length      `json:"by_kind"`
	ByOperator []Length      `json:"by_operator"`
}

// DigSummary sums the roads: their count and length, and the failing pipe lengths by kind and
// operator (a pipe under two roads counts under each, as each excavation meets it).
type DigSummary struct {
	Roads      int      `json:"roads"`
	RoadLength float64  `json:"road_length_m"`
	PipeLength float64  `json:"pipe_length_m"`
	ByKind     []Length `json:"by_kind"`
	ByOperator []Length `json:"by_operator"`
}

// DigOnce keeps the roads with at least one failing piece (of MinPieceM or more) under them as of
// their resurfacing year, ordered by year, then failing length (longest first), then id. Lengths
// are rounded to 0.1 m.
func DigOnce(roads []Road, pieces []PipePiece, life Life) ([]DigRoad, DigSummary) {
	byRoad := map[int64][]PipePiece{}
	for _, p := range pieces {
		byRoad[p.Road] = append(byRoad[p.Road], p)
	}
	out := []DigRoad{}
	sum := DigSummary{ByKind: []Length{}, ByOperator: []Length{}}
	allKind, allOp := newTally(), newTally()
	for _, r := range roads {
		d := DigRoad{Road: r, Pipes: []FailingPipe{}}
		kind, op := newTally(), newTally()
		for _, p := range byRoad[r.ID] {
			if p.LengthM < MinPieceM {
				continue
			}
			bad, why := Failing(p.Condition, p.Material, p.LaidYear, r.ResurfaceYear, life)
			if !bad {
				continue
			}
			d.Pipes = append(d.Pipes, FailingPipe{PipePiece: p, Reasons: why})
			d.PipeLength += p.LengthM
			kind.add(p.Kind, p.LengthM, 1)
			op.add(p.Operator, p.LengthM, 1)
			allKind.add(p.Kind, p.LengthM, 1)
			allOp.add(p.Operator, p.LengthM, 1)
		}
		if len(d.Pipes) == 0 {
			continue
		}
		sort.Slice(d.Pipes, func(i, j int) bool { return d.Pipes[i].Pipe < d.Pipes[j].Pipe })
		d.PipeLength = round1(d.PipeLength)
		d.ByKind, d.ByOperator = kind.list(), op.list()
		out = append(out, d)
		sum.Roads++
		sum.RoadLength += r.LengthM
		sum.PipeLength += d.PipeLength
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ResurfaceYear != b.ResurfaceYear {
			return a.ResurfaceYear < b.ResurfaceYear
		}
		if a.PipeLength != b.PipeLength {
			return a.PipeLength > b.PipeLength
		}
		return a.ID < b.ID
	})
	sum.RoadLength, sum.PipeLength = round1(sum.RoadLength), round1(sum.PipeLength)
	sum.ByKind, sum.ByOperator = allKind.list(), allOp.list()
	return out, sum
}

type tally struct {
	keys []string
	m    map[string]*Length
}

func newTally() *tally { return &tally{m: map[string]*Length{}} }

// add counts pipes pipes of length l under key k.
func (t *tally) add(k string, l float64, pipes int) {
	x, ok := t.m[k]
	if !ok {
		x = &Length{Key: k}
		t.m[k] = x
		t.keys = append(t.keys, k)
	}
	x.LengthM += l
	x.Pipes += pipes
}

// list is the tallies, longest first, then by key.
func (t *tally) list() []Length {
	out := make([]Length, 0, len(t.keys))
	for _, k := range t.keys {
		l := *t.m[k]
		l.LengthM = round1(l.LengthM)
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].LengthM != out[j].LengthM {
			return out[i].LengthM > out[j].LengthM
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func round1(x float64) float64 {
	if x < 0 {
		return -round1(-x)
	}
	return float64(int64(x*10+0.5)) / 10
}
