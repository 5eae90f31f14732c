package verify

import (
	"slices"
	"time"
)

// Spread is the minimum, median and maximum of one measurement over runs.
type Spread struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// DrillSummary aggregates repeated drills; durations are in milliseconds.
type DrillSummary struct {
	Runs          int    `json:"runs"`
	FirstSwitchMs Spread `json:"firstSwitchMs"`
	AllAgreeMs    Spread `json:"allAgreeMs"`
	WriteGapMs    Spread `json:"writeGapMs"`
	WritesLost    Spread `json:"writesLost"`
	RejoinMs      Spread `json:"rejoinMs"`
}

// Summarize computes min/median/max over runs.
func Summarize(runs []DrillResult) DrillSummary {
	pick := func(f func(DrillResult) float64) Spread {
		values := make([]float64, len(runs))
		for i, r := range runs {
			values[i] = f(r)
		}
		return SpreadOf(values)
	}
	millis := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return DrillSummary{
		Runs:          len(runs),
		FirstSwitchMs: pick(func(r DrillResult) float64 { return millis(r.FirstSwitch) }),
		AllAgreeMs:    pick(func(r DrillResult) float64 { return millis(r.AllAgree) }),
		WriteGapMs:    pick(func(r DrillResult) float64 { return millis(r.WriteGap) }),
		WritesLost:    pick(func(r DrillResult) float64 { return float64(r.WritesLost) }),
		RejoinMs:      pick(func(r DrillResult) float64 { return millis(r.Rejoin) }),
	}
}

// SpreadOf returns min/median/max; the median of an even count is the mean of
// the two middle values.
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	median := sorted[n/2]
	if n%2 == 0 {
		median = (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return Spread{Min: sorted[0], Median: median, Max: sorted[n-1]}
}
