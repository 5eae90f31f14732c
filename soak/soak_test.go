package soak

import (
	"reflect"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

var testKinds = []Kind{{Name: "kill", MayOverlap: true}, {Name: "pause", MayOverlap: true}, {Name: "restart-all"}}

func TestPlan_SameSeedSameSchedule(t *testing.T) {
	a := Plan(42, testKinds, 10*time.Minute, Options{})
	b := Plan(42, testKinds, 10*time.Minute, Options{})
	c := Plan(43, testKinds, 10*time.Minute, Options{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("seed 42 drew two different schedules")
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("seeds 42 and 43 drew the same schedule")
	}
	var total time.Duration
	overlaps := 0
	for i, p := range a {
		total += p.Hold + p.Gap
		if p.Overlap {
			overlaps++
			if p.Gap != 0 || p.Kind == "restart-all" || a[i+1].Kind == "restart-all" {
				t.Errorf("entry %d overlaps with a gap or with restart-all: %+v → %+v", i, p, a[i+1])
			}
		}
		if p.Hold < 500*time.Millisecond || p.Hold > 8*time.Second {
			t.Errorf("entry %d hold %s outside the defaults", i, p.Hold)
		}
	}
	if total < 5*time.Minute || overlaps == 0 || len(a) < 20 {
		t.Errorf("%d faults, %d overlapping, %s of holds and gaps for 10 minutes", len(a), overlaps, total)
	}
}

func TestFigures_OutageAndAvailability(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var writes []verify.WriteSample
	for ms := 0; ms < 1000; ms += 10 { // acked every 10 ms but for a hole at 300-700
		writes = append(writes, verify.WriteSample{At: at(ms), Latency: time.Millisecond, OK: ms < 300 || ms >= 700})
	}
	acks := ackTimes(writes)
	if got := longestGap(acks, at(250), at(900)); got != 410*time.Millisecond {
		t.Errorf("longest gap %s, want 410ms (291 → 701)", got)
	}
	if got := longestGap(acks, at(400), at(500)); got != 100*time.Millisecond {
		t.Errorf("gap inside the hole %s, want the whole window", got)
	}
	if got := availability(writes, t0, at(1000), 10*time.Millisecond); got < 0.59 || got > 0.61 {
		t.Errorf("availability %.3f, want 0.60", got)
	}
	// One slow write that succeeds covers the slots it spans; a failed one does not.
	slow := []verify.WriteSample{{At: at(0), Latency: 45 * time.Millisecond, OK: true}, {At: at(50), Latency: 45 * time.Millisecond}}
	if got := availability(slow, t0, at(100), 10*time.Millisecond); got != 0.5 {
		t.Errorf("availability with a slow ack then a failure %.2f, want 0.50", got)
	}
	runs := []FaultRun{{Kind: "kill", Outage: time.Second}, {Kind: "kill", Outage: 3 * time.Second, TimeToHealth: time.Second}, {Kind: "pause", Overlap: true}}
	f := figures(runs)
	if f["kill"].Count != 2 || f["kill"].OutageMax != 3*time.Second || f["kill"].OutageP50 != time.Second || f["pause"].Overlapped != 1 {
		t.Errorf("figures %+v", f)
	}
}

func TestReport_LossesByMechanism(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tl := verify.Timeline{Start: t0, End: t0.Add(time.Minute)}
	runs := []FaultRun{
		{Kind: "pause", HealedMidFailover: true, LostBy: 3, LossWindow: lossWindow(3, true)},
		{Kind: "kill", LostBy: 0, LossWindow: lossWindow(0, false)},
		{Kind: "partition", HealedMidFailover: true, LostBy: 0},
	}
	plan := make([]Planned, len(runs))
	known := newReport(Options{WriteInterval: 10 * time.Millisecond}, plan, runs, verify.WriteReport{Lost: 3}, verify.ReadReport{}, tl, 1, nil)
	if known.LostKnownWindow != 3 || known.LostUnexplained != 0 || !known.Passed() {
		t.Errorf("a loss after a master healed mid-failover: known %d, unexplained %d, passed %v; want 3, 0, true",
			known.LostKnownWindow, known.LostUnexplained, known.Passed())
	}
	if f := known.PerKind["pause"]; f.Lost != 3 || f.LostKnownWindow != 3 || f.HealedMidFailover != 1 {
		t.Errorf("pause figures %+v", f)
	}
	if strict := newReport(Options{Strict: true, WriteInterval: 10 * time.Millisecond}, plan, runs, verify.WriteReport{Lost: 3}, verify.ReadReport{}, tl, 1, nil); strict.Passed() {
		t.Error("strict soak passed with 3 writes lost in the known window")
	}
	runs[1].LostBy, runs[1].LossWindow = 2, lossWindow(2, false)
	unexplained := newReport(Options{WriteInterval: 10 * time.Millisecond}, plan, runs, verify.WriteReport{Lost: 6}, verify.ReadReport{}, tl, 1, nil)
	if unexplained.LostUnexplained != 3 || unexplained.Passed() { // 2 after the kill, 1 no fault accounts for
		t.Errorf("unexplained %d, passed %v; want 3, false", unexplained.LostUnexplained, unexplained.Passed())
	}
}

func TestAttributeLoss_ToTheFaultThatSawTwoMasters(t *testing.T) {
	runs := []FaultRun{{Kind: "partition", Overlap: true, MastersAtOnce: 2}, {Kind: "crash-restart", MastersAtOnce: 1}}
	if j := attributeLoss(runs, []int{0, 1}, 91); j != 0 || runs[0].LostBy != 91 || runs[0].LossWindow != LossKnownWindow || runs[1].LostBy != 0 {
		t.Errorf("charged to %d: %+v", j, runs)
	}
	plain := []FaultRun{{Kind: "kill"}, {Kind: "restart-all"}}
	if j := attributeLoss(plain, []int{0, 1}, 4); j != 1 || plain[1].LossWindow != LossUnexplained {
		t.Errorf("charged to %d: %+v", j, plain)
	}
}
