package access

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"renewmap/internal/renew"
)

// Source is where a Holder reads the walk network from (internal/postgis implements it).
type Source interface {
	// LoadNetwork reads one consistent snapshot of everything an Engine is built from.
	LoadNetwork(ctx context.Context) (Input, error)
	// NetworkVersion is the version LoadNetwork would put in Input.Version now.
	NetworkVersion(ctx context.Context) (int64, error)
}

// Results is where a Holder stores what it derives from each engine (internal/postgis implements
// it): the living-circle polygons and the blind-spot overlay, each tagged with the inputs'
// version so that an unchanged network is not recomputed.
type Results interface {
	// StoredVersions returns the inputs version of the stored circles and of the stored blind
	// spots; -1 for either when the stored rows are missing or of mixed versions.
	StoredVersions(ctx context.Context) (circles, blind int64, err error)
	// SaveCircles replaces the circles of the communities and profiles in cs.
	SaveCircles(ctx context.Context, cs []Circle, version int64) error
	// FinishCircles removes the circles not of version (communities that lost their buildings).
	FinishCircles(ctx context.Context, version int64) error
	// SaveBlindSpots replaces the whole blind-spot overlay.
	SaveBlindSpots(ctx context.Context, bs []BlindSpot, version int64) error
}

// HolderOptions tune a Holder. The zero value is usable.
type HolderOptions struct {
	Engine Options
	// Levels and Profiles are the circles computed after each build: by default GB 50180's
	// 5/10/15-minute levels for the standard and the winter profile.
	Levels   []Level
	Profiles []Profile
	// TTL is how long a version check is trusted before a request triggers another (in the
	// background; the request is answered by the current engine). 0 means 2 s.
	TTL time.Duration
	// Poll is how often Run checks the version on its own, so circles follow an import even
	// when nobody asks. 0 means 15 s.
	Poll time.Duration
	// Chunk is how many communities' circles are computed and stored at a time. 0 means 40.
	Chunk int
	Log   *slog.Logger
}

// Holder keeps the current Engine: it builds one on first use, and rebuilds when the network's
// version moves on, while requests keep using the previous engine. After each build it stores
// the living circles and the blind-spot overlay (when the stored ones are of another version).
type Holder struct {
	src Source
	res Results
	opt HolderOptions
	log *slog.Logger

	buildMu   sync.Mutex // one build at a time
	resultsMu sync.Mutex // one results update at a time

	mu      sync.Mutex
	cur     *Engine
	checked time.Time
	bg      context.Context
	status  Status
	after   chan struct{}
}

// Status is what a Holder is doing, for the API and the log.
type Status struct {
	State       string    `json:"state"` // starting, ready, failed
	Building    bool      `json:"building"`
	Version     int64     `json:"version"`
	BuiltAt     time.Time `json:"built_at,omitzero"`
	BuildMillis int64     `json:"build_ms"`
	Stats       *Stats    `json:"stats,omitempty"`
	// Isolated lists the communities cut off from the main public network or without paths.
	Isolated   []Isolated `json:"isolated"`
	Error      string     `json:"error,omitempty"`
	Circles    Task       `json:"circles"`
	BlindSpots Task       `json:"blind_spots"`
}

// Task is the progress of one derived result.
type Task struct {
	State   string `json:"state"` // waiting, running, done, current (already stored), failed
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Version int64  `json:"version"`
	Millis  int64  `json:"ms"`
	// ComputeMillis and StoreMillis split Millis between the engine and the storage (circles).
	ComputeMillis int64     `json:"compute_ms,omitempty"`
	StoreMillis   int64     `json:"store_ms,omitempty"`
	Finished      time.Time `json:"finished_at,omitzero"`
	Error         string    `json:"error,omitempty"`
}

// NewHolder returns a holder reading from src and storing results in res (nil: none stored).
func NewHolder(src Source, res Results, opt HolderOptions) *Holder {
	if opt.TTL <= 0 {
		opt.TTL = 2 * time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = 15 * time.Second
	}
	if opt.Chunk <= 0 {
		opt.Chunk = 40
	}
	if opt.Levels == nil {
		opt.Levels = DefaultLevels()
	}
	if opt.Profiles == nil {
		opt.Profiles = []Profile{StandardProfile(), WinterProfile()}
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Holder{src: src, res: res, opt: opt, log: log, bg: context.Background(),
		after:  make(chan struct{}, 1),
		status: Status{State: "starting", Circles: Task{State: "waiting"}, BlindSpots: Task{State: "waiting"}}}
}

// Thresholds are the circles the holder computes: every level for every profile.
func (h *Holder) Thresholds() []Threshold {
	var ts []Threshold
	for _, p := range h.opt.Profiles {
		ts = append(ts, p.Thresholds(h.opt.Levels)...)
	}
	return ts
}

// Profiles are the walking profiles of the circles.
func (h *Holder) Profiles() []Profile { return append([]Profile(nil), h.opt.Profiles...) }

// Engine returns the current engine. The first call builds it (and waits); later calls return
// at once, and when the last version check is older than the TTL start one in the background.
// It returns renew.ErrUnavailable when no engine could be built yet.
func (h *Holder) Engine(ctx context.Context) (*Engine, error) {
	h.mu.Lock()
	cur := h.cur
	stale := cur != nil && time.Since(h.checked) > h.opt.TTL
	if stale {
		h.checked = time.Now()
	}
	bg := h.bg
	h.mu.Unlock()
	if cur == nil {
		return h.Refresh(ctx)
	}
	if stale {
		go h.tryRefresh(bg)
	}
	return cur, nil
}

// Kick makes the next use check the version (after a write that changes the network).
func (h *Holder) Kick() {
	h.mu.Lock()
	h.checked = time.Time{}
	bg := h.bg
	h.mu.Unlock()
	go h.tryRefresh(bg)
}

func (h *Holder) tryRefresh(ctx context.Context) {
	if !h.buildMu.TryLock() {
		return // a build is running; it will be checked again
	}
	defer h.buildMu.Unlock()
	if _, err := h.refreshLocked(ctx); err != nil && ctx.Err() == nil {
		h.log.Warn("walk network: rebuild failed; the previous one stays in use", "err", err)
	}
}

// Refresh checks the network's version now and, when it moved on, rebuilds and waits for the
// new engine. It returns renew.ErrUnavailable when the database cannot be reached and no engine
// exists yet.
func (h *Holder) Refresh(ctx context.Context) (*Engine, error) {
	h.buildMu.Lock()
	defer h.buildMu.Unlock()
	return h.refreshLocked(ctx)
}

func (h *Holder) refreshLocked(ctx context.Context) (*Engine, error) {
	h.mu.Lock()
	cur := h.cur
	h.mu.Unlock()
	v, err := h.src.NetworkVersion(ctx)
	if err != nil {
		if cur != nil {
			return cur, nil
		}
		return nil, unavailable(err)
	}
	h.mu.Lock()
	h.checked = time.Now()
	h.mu.Unlock()
	if cur != nil && cur.Version() == v {
		return cur, nil
	}
	h.setStatus(func(s *Status) { s.Building = true })
	start := time.Now()
	e, err := h.build(ctx)
	took := time.Since(start)
	if err != nil {
		h.setStatus(func(s *Status) {
			s.Building = false
			s.Error = statusMessage(err, "步行网络构建失败")
			if s.State != "ready" {
				s.State = "failed"
			}
		})
		if cur != nil {
			return cur, nil
		}
		return nil, unavailable(err)
	}
	st := e.Stats()
	h.mu.Lock()
	h.cur = e
	h.status.State, h.status.Building, h.status.Error = "ready", false, ""
	h.status.Version, h.status.BuiltAt, h.status.BuildMillis, h.status.Stats = e.Version(), time.Now(), took.Milliseconds(), &st
	h.status.Isolated = e.Isolation()
	h.mu.Unlock()
	h.log.Info("walk network built", "version", e.Version(), "nodes", st.Nodes, "edges", st.Edges,
		"buildings", st.Buildings, "facilities", st.Facilities, "took", took.Round(time.Millisecond))
	select {
	case h.after <- struct{}{}:
	default:
	}
	return e, nil
}

func (h *Holder) build(ctx context.Context) (*Engine, error) {
	in, err := h.src.LoadNetwork(ctx)
	if err != nil {
		return nil, err
	}
	return Build(in, h.opt.Engine)
}

func unavailable(err error) error {
	if errors.Is(err, renew.ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %v", &renew.Error{Kind: renew.ErrUnavailable, Msg: "步行网络暂不可用 (the walk network is not available)"}, err)
}

// Status returns a copy of the holder's status.
func (h *Holder) Status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
}

func (h *Holder) setStatus(fn func(*Status)) {
	h.mu.Lock()
	fn(&h.status)
	h.mu.Unlock()
}

func (h *Holder) current() *Engine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur
}

// Run builds the first engine (retrying while the source fails), then keeps the engine and the
// stored results current until ctx ends: it rebuilds when the version moves on (checked every
// Poll, and on use), and updates the stored results after each build.
func (h *Holder) Run(ctx context.Context) {
	h.mu.Lock()
	h.bg = ctx
	h.mu.Unlock()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-h.after:
			}
			if err := h.UpdateResults(ctx, false); err != nil && ctx.Err() == nil {
				h.log.Warn("living circles / blind spots not stored", "err", err)
			}
		}
	}()
	for ctx.Err() == nil {
		if _, err := h.Refresh(ctx); err == nil {
			break
		} else if ctx.Err() == nil {
			h.log.Warn("walk network not built yet, retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	t := time.NewTicker(h.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.tryRefresh(ctx)
		}
	}
}

// errSuperseded stops a results update when a newer engine is built meanwhile.
var errSuperseded = errors.New("a newer walk network was built")

// UpdateResults stores the blind spots and the living circles of the current engine when the
// stored ones are of another version (or always, with force). Circles are computed and stored Chunk communities at a
// time, with the progress in Status and the log. It returns ctx's error when ctx ends.
func (h *Holder) UpdateResults(ctx context.Context, force bool) error {
	if h.res == nil {
		return nil
	}
	h.resultsMu.Lock()
	defer h.resultsMu.Unlock()
	e := h.current()
	if e == nil {
		return nil
	}
	v := e.Version()
	cv, bv, err := h.res.StoredVersions(ctx)
	if err != nil {
		return err
	}

	if force {
		cv, bv = -1, -1
	}
	if bv == v {
		h.setStatus(func(s *Status) { s.BlindSpots = Task{State: "current", Version: v, Done: 1, Total: 1} })
	} else {
		start := time.Now()
		h.setStatus(func(s *Status) { s.BlindSpots = Task{State: "running", Version: v, Total: 1} })
		err := h.res.SaveBlindSpots(ctx, e.BlindSpots(), v)
		h.finish(&h.status.BlindSpots, v, 1, start, err)
		if err != nil {
			return fmt.Errorf("blind spots: %w", err)
		}
		h.log.Info("blind-spot overlay stored", "version", v, "took", time.Since(start).Round(time.Millisecond))
	}

	if cv == v {
		h.setStatus(func(s *Status) { s.Circles = Task{State: "current", Version: v} })
		return nil
	}
	var ids []int64
	for _, id := range e.CommunityIDs() {
		if e.HasBuildings(id) {
			ids = append(ids, id)
		}
	}
	start := time.Now()
	h.setStatus(func(s *Status) { s.Circles = Task{State: "running", Version: v, Total: len(ids)} })
	h.log.Info("living circles: computing", "communities", len(ids), "version", v)
	ths := h.Thresholds()
	lastLog := time.Now()
	for i := 0; i < len(ids); i += h.opt.Chunk {
		if cur := h.current(); cur != nil && cur.Version() != v {
			h.finish(&h.status.Circles, v, i, start, errSuperseded)
			return nil // the next update does it for the newer engine
		}
		j := min(i+h.opt.Chunk, len(ids))
		t0 := time.Now()
		cs, err := e.Circles(ctx, ids[i:j], ths)
		t1 := time.Now()
		if err == nil {
			err = h.res.SaveCircles(ctx, cs, v)
		}
		h.setStatus(func(s *Status) {
			s.Circles.ComputeMillis += t1.Sub(t0).Milliseconds()
			s.Circles.StoreMillis += time.Since(t1).Milliseconds()
		})
		if err != nil {
			h.finish(&h.status.Circles, v, i, start, err)
			return fmt.Errorf("living circles: %w", err)
		}
		h.setStatus(func(s *Status) { s.Circles.Done = j; s.Circles.Millis = time.Since(start).Milliseconds() })
		if time.Since(lastLog) > 5*time.Second {
			lastLog = time.Now()
			h.log.Info("living circles: progress", "done", j, "total", len(ids))
		}
	}
	err = h.res.FinishCircles(ctx, v)
	h.finish(&h.status.Circles, v, len(ids), start, err)
	if err != nil {
		return fmt.Errorf("living circles: %w", err)
	}
	h.log.Info("living circles stored", "communities", len(ids), "circles per community", len(ths),
		"version", v, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func (h *Holder) finish(t *Task, v int64, done int, start time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t.Version, t.Done, t.Millis, t.Finished = v, done, time.Since(start).Milliseconds(), time.Now()
	switch {
	case err == nil:
		t.State, t.Error = "done", ""
	case errors.Is(err, errSuperseded):
		t.State, t.Error = "waiting", ""
	default:
		t.State, t.Error = "failed", statusMessage(err, "保存失败")
	}
}

// statusMessage is what Status shows every role about a failure: the error's user-safe message,
// or a short summary. The error itself (which may name tables or hosts) goes to the log only.
func statusMessage(err error, summary string) string {
	if m := renew.UserMessage(err); m != "" {
		return m
	}
	return summary + "，详见服务日志"
}
