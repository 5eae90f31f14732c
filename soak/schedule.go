// Package soak runs a seeded random schedule of faults against a live
// cluster for as long as asked, under a writer (WAIT, as the fault matrix)
// and a reader through Sentinel, and reports what a client saw:
// availability, outages per fault kind, acknowledged writes lost, masters
// seen at once, time to full health after each heal, and anything that never
// healed. The platform supplies the faults (verify.Fault); this package only
// schedules, measures and judges.
package soak

import (
	"math/rand/v2"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

// Kind is one fault the schedule may pick.
type Kind struct {
	Name string
	// Fault injects and heals it (its Expect and Hold are not used: the
	// schedule decides how long it lasts; a failover may or may not follow).
	Fault verify.Fault
	// MayOverlap says whether this fault may be injected while the previous
	// one is still healing (see Options.OverlapChance); faults that take
	// every process down at once may not.
	MayOverlap bool
	// ResumesMaster says healing the fault lets the old master serve again
	// as it was, with no restart (pause, partition). Healed while a failover
	// is under way (FaultRun.HealedMidFailover), it takes writes while
	// another is promoted: Sentinel's known asynchronous-replication window.
	// A master that restarts (kill, crash-restart, data-loss) passes the
	// master guard first and does not.
	ResumesMaster bool
}

// Planned is one entry of the schedule.
type Planned struct {
	Kind string        `json:"kind"`
	Hold time.Duration `json:"holdNs"`
	// Gap is the wait after the heal; when Overlap is set the next fault
	// is injected right after this one's heal, before full health.
	Gap     time.Duration `json:"gapNs"`
	Overlap bool          `json:"overlap"`
}

// Plan draws the schedule for duration from seed: the same seed, kinds and
// options give the same schedule. It draws for twice the duration (heals
// take as long as they take); Run stops at the duration.
func Plan(seed uint64, kinds []Kind, duration time.Duration, o Options) []Planned {
	o = o.withDefaults()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	between := func(lo, hi time.Duration) time.Duration {
		if hi <= lo {
			return lo
		}
		return lo + time.Duration(rng.Int64N(int64(hi-lo)))
	}
	var plan []Planned
	var total time.Duration
	for total < 2*duration && len(kinds) > 0 {
		k := kinds[rng.IntN(len(kinds))]
		p := Planned{Kind: k.Name, Hold: between(o.HoldMin, o.HoldMax), Gap: between(o.GapMin, o.GapMax)}
		plan = append(plan, p)
		total += p.Hold + p.Gap + o.HealAllowance
		if n := len(plan); n >= 2 && rng.Float64() < o.OverlapChance && overlaps(kinds, plan[n-2].Kind, k.Name) {
			plan[n-2].Overlap, plan[n-2].Gap = true, 0
		}
	}
	return plan
}

// overlaps reports whether next may start while prev heals: both must allow it.
func overlaps(kinds []Kind, prev, next string) bool {
	ok := map[string]bool{}
	for _, k := range kinds {
		ok[k.Name] = k.MayOverlap
	}
	return ok[prev] && ok[next]
}
