package verify

import (
	"slices"
	"sync"
	"time"
)

// Timeline is what a drill or a soak looked like over time, for pictures and
// figures: every write the client tried, the nodes claiming master at each
// role sample, and the marks of the fault's phases.
type Timeline struct {
	Start   time.Time      `json:"start"`
	End     time.Time      `json:"end"`
	Writes  []WriteSample  `json:"writes"`
	Masters []MasterSample `json:"masters"`
	Marks   []Mark         `json:"marks"`
}

// WriteSample is one write attempt: when it started, how long until its
// answer, and whether it was acknowledged.
type WriteSample struct {
	At      time.Time     `json:"at"`
	Latency time.Duration `json:"latencyNs"`
	OK      bool          `json:"ok"`
}

// MasterSample lists the reachable nodes claiming master at one instant.
type MasterSample struct {
	At      time.Time `json:"at"`
	Masters []string  `json:"masters"`
}

// Mark kinds.
const (
	MarkFault       = "fault"
	MarkHeal        = "heal"
	MarkFirstSwitch = "first-switch"
	MarkAllAgree    = "all-agree"
	MarkHealthy     = "healthy"
)

// Mark is one moment of a fault's life.
type Mark struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Label string    `json:"label"`
}

// marks collects marks from several goroutines.
type marks struct {
	mu   sync.Mutex
	list []Mark
}

func (m *marks) add(at time.Time, kind, label string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.list = append(m.list, Mark{At: at, Kind: kind, Label: label})
}

func (m *marks) all() []Mark {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.list)
	slices.SortStableFunc(out, func(a, b Mark) int { return a.At.Compare(b.At) })
	return out
}

// MergeTimelines joins the timelines of drills run one after another (a
// matrix, --runs) into one, from the first start to the last end.
func MergeTimelines(tls []Timeline) Timeline {
	var out Timeline
	for i, tl := range tls {
		if i == 0 || tl.Start.Before(out.Start) {
			out.Start = tl.Start
		}
		if tl.End.After(out.End) {
			out.End = tl.End
		}
		out.Writes = append(out.Writes, tl.Writes...)
		out.Masters = append(out.Masters, tl.Masters...)
		out.Marks = append(out.Marks, tl.Marks...)
	}
	return out
}
