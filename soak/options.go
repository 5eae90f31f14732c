package soak

import "time"

// Options tune a soak; zero values take the defaults.
type Options struct {
	Duration time.Duration
	Seed     uint64
	// HoldMin/HoldMax bound how long a fault stays before it is healed:
	// from shorter than down-after (no failover) to several times it.
	HoldMin, HoldMax time.Duration
	// GapMin/GapMax bound the quiet time after a heal.
	GapMin, GapMax time.Duration
	// OverlapChance is the probability that a fault starts as soon as the
	// previous one is healed, while the cluster is still healing.
	OverlapChance float64
	// HealAllowance is the time a heal is assumed to take when the schedule
	// is drawn (so it roughly fills Duration).
	HealAllowance time.Duration
	// HealDeadline bounds the wait for full health after a heal; past it the
	// state counts as never healed and the soak fails.
	HealDeadline  time.Duration
	WriteInterval time.Duration
	WaitReplicas  int
	// Strict fails the soak on any lost write, those in Sentinel's known
	// window too (see FaultRun.HealedMidFailover).
	Strict bool
	// Progress receives a line per fault and a live summary.
	Progress func(string)
}

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.HoldMin, 500*time.Millisecond)
	def(&o.HoldMax, 8*time.Second)
	def(&o.GapMin, 2*time.Second)
	def(&o.GapMax, 15*time.Second)
	def(&o.HealAllowance, 5*time.Second)
	def(&o.HealDeadline, 90*time.Second)
	def(&o.WriteInterval, 10*time.Millisecond)
	if o.OverlapChance == 0 {
		o.OverlapChance = 0.25
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return o
}
