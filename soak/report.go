package soak

import (
	"fmt"
	"slices"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

// Report is a soak's outcome.
type Report struct {
	Seed     uint64        `json:"seed"`
	Duration time.Duration `json:"durationNs"`
	// Availability is the share of write slots (one per WriteInterval since
	// the start) covered by a write that was acknowledged: slots inside a
	// failed or hung write, or with none in flight, count as unavailable.
	Availability float64            `json:"availability"`
	Writes       verify.WriteReport `json:"writes"`
	// LostKnownWindow and LostUnexplained split Writes.Lost by mechanism
	// (FaultRun.LossWindow); a loss no fault accounts for is unexplained.
	LostKnownWindow int `json:"lostKnownWindow"`
	LostUnexplained int `json:"lostUnexplained"`
	// Strict (Options.Strict): any lost write fails the soak, known window
	// included.
	Strict bool              `json:"strict"`
	Reads  verify.ReadReport `json:"reads"`
	// MastersSeenAtOnce is the most nodes claiming master at one sample. A
	// paused or partitioned master still claims it when it comes back, until
	// Sentinel converts it: 2 is expected after those faults and is reported,
	// not failed (with minReplicasToWrite it acknowledges nothing meanwhile,
	// and a lost write fails the soak).
	MastersSeenAtOnce int `json:"mastersSeenAtOnce"`
	// PerKind are the outage and healing figures of each fault kind.
	PerKind map[string]KindFigures `json:"perKind"`
	Faults  []FaultRun             `json:"faults"`
	// Unhealed lists states that never healed; any fails the soak.
	Unhealed []string  `json:"unhealed"`
	Plan     []Planned `json:"plan"`
	// Timeline is every write and master sample, for --plot.
	Timeline verify.Timeline `json:"-"`
}

// KindFigures summarize one fault kind's runs.
type KindFigures struct {
	Count      int           `json:"count"`
	Overlapped int           `json:"overlapped"`
	OutageP50  time.Duration `json:"outageP50Ns"`
	OutageP99  time.Duration `json:"outageP99Ns"`
	OutageMax  time.Duration `json:"outageMaxNs"`
	// HealthP50/Max: time from the heal to full health (non-overlapped runs).
	HealthP50 time.Duration `json:"healthP50Ns"`
	HealthMax time.Duration `json:"healthMaxNs"`
	// HealedMidFailover counts runs healed while a failover was under way;
	// Lost and LostKnownWindow the writes lost after runs of this kind, all
	// and in the known window.
	HealedMidFailover int `json:"healedMidFailover"`
	Lost              int `json:"lost"`
	LostKnownWindow   int `json:"lostKnownWindow"`
}

// Passed: every state healed, and no acknowledged write was lost but in
// Sentinel's known window (none at all with Strict).
func (r Report) Passed() bool {
	if r.Strict && r.Writes.Lost > 0 {
		return false
	}
	return r.LostUnexplained == 0 && len(r.Unhealed) == 0
}

func newReport(o Options, plan []Planned, runs []FaultRun, writes verify.WriteReport, reads verify.ReadReport,
	tl verify.Timeline, masters int, unhealed []string) Report {
	acks := ackTimes(tl.Writes)
	for i := range runs {
		from := tl.Start.Add(runs[i].At)
		to := tl.End
		if i+1 < len(runs) {
			to = tl.Start.Add(runs[i+1].At)
		}
		runs[i].Outage = longestGap(acks, from, to)
	}
	attributed := 0
	r := Report{
		Strict: o.Strict, Seed: o.Seed, Duration: tl.End.Sub(tl.Start), Writes: writes, Reads: reads,
		Availability: availability(tl.Writes, tl.Start, tl.End, o.WriteInterval), MastersSeenAtOnce: masters,
		PerKind: figures(runs), Faults: runs, Unhealed: unhealed, Plan: plan[:len(runs)], Timeline: tl,
	}
	if r.Unhealed == nil {
		r.Unhealed = []string{}
	}
	for _, run := range runs {
		attributed += run.LostBy
		if run.LossWindow == LossKnownWindow {
			r.LostKnownWindow += run.LostBy
		}
	}
	r.LostUnexplained = attributed - r.LostKnownWindow + max(writes.Lost-attributed, 0)
	return r
}

// ackTimes are the moments writes were acknowledged, in order.
func ackTimes(writes []verify.WriteSample) []time.Time {
	var out []time.Time
	for _, w := range writes {
		if w.OK {
			out = append(out, w.At.Add(w.Latency))
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// longestGap is the longest time between consecutive acknowledgements that
// overlaps [from, to], both ends clipped to it.
func longestGap(acks []time.Time, from, to time.Time) time.Duration {
	var longest time.Duration
	prev := from
	for _, a := range acks {
		if a.Before(from) {
			prev = from
			continue
		}
		if a.After(to) {
			return max(longest, to.Sub(prev))
		}
		longest = max(longest, a.Sub(prev))
		prev = a
	}
	return max(longest, to.Sub(prev))
}

// availability is the share of interval-long slots covered by an
// acknowledged write: from the moment it was sent to its acknowledgement. A
// slow write that succeeds covers every slot it spans (the client could
// write, just slower); slots spent in a write that failed, or with no write
// in flight at all, are unavailable.
func availability(writes []verify.WriteSample, start, end time.Time, interval time.Duration) float64 {
	slots := int(end.Sub(start) / interval)
	if slots == 0 {
		return 0
	}
	hit := make([]bool, slots+1)
	for _, w := range writes {
		if !w.OK {
			continue
		}
		from, to := int(w.At.Sub(start)/interval), int(w.At.Add(w.Latency).Sub(start)/interval)
		for i := max(from, 0); i <= min(to, slots); i++ {
			hit[i] = true
		}
	}
	n := 0
	for _, h := range hit[:slots] {
		if h {
			n++
		}
	}
	return float64(n) / float64(slots)
}

func figures(runs []FaultRun) map[string]KindFigures {
	outages, healths := map[string][]time.Duration{}, map[string][]time.Duration{}
	out := map[string]KindFigures{}
	for _, r := range runs {
		f := out[r.Kind]
		f.Count++
		if r.Overlap {
			f.Overlapped++
		} else if r.Err == "" {
			healths[r.Kind] = append(healths[r.Kind], r.TimeToHealth)
		}
		if r.HealedMidFailover {
			f.HealedMidFailover++
		}
		f.Lost += r.LostBy
		if r.LossWindow == LossKnownWindow {
			f.LostKnownWindow += r.LostBy
		}
		out[r.Kind] = f
		outages[r.Kind] = append(outages[r.Kind], r.Outage)
	}
	for kind, f := range out {
		f.OutageP50, f.OutageP99, f.OutageMax = quantile(outages[kind], 0.5), quantile(outages[kind], 0.99), quantile(outages[kind], 1)
		f.HealthP50, f.HealthMax = quantile(healths[kind], 0.5), quantile(healths[kind], 1)
		out[kind] = f
	}
	return out
}

// quantile is the nearest-rank q-quantile (0 for no values).
func quantile(values []time.Duration, q float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	rank := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// liveSummary is the progress line printed every few faults.
func liveSummary(writes []verify.WriteSample, start time.Time, interval time.Duration, faults int) string {
	now := time.Now()
	a := availability(writes, start, now, interval)
	failed := 0
	for _, w := range writes {
		if !w.OK {
			failed++
		}
	}
	return fmt.Sprintf("      after %s: %d faults, availability %.3f%%, %d writes tried, %d failed",
		now.Sub(start).Round(time.Second), faults, 100*a, len(writes), failed)
}
