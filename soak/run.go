package soak

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

// FaultRun is one executed fault.
type FaultRun struct {
	Kind    string `json:"kind"`
	Overlap bool   `json:"overlap"`
	// At and HealedAt are offsets from the soak's start.
	At       time.Duration `json:"atNs"`
	HealedAt time.Duration `json:"healedAtNs"`
	// MasterBefore and MasterAfter are the agreed masters around the fault.
	MasterBefore string `json:"masterBefore"`
	MasterAfter  string `json:"masterAfter"`
	// Outage is the longest time without an acknowledged write from the
	// fault until full health (or the next fault).
	Outage time.Duration `json:"outageNs"`
	// TimeToHealth is from the heal until every check passes; 0 when the
	// next fault was injected first (Overlap).
	TimeToHealth time.Duration `json:"timeToHealthNs"`
	// HealedMidFailover: a master fault healed while a failover was under
	// way (a sentinel flagged the master down or in failover, or the
	// sentinels disagreed). MastersAtOnce is the most nodes claiming master
	// at one sample from the fault until the losses were counted. Either way
	// an old master took writes while the sentinels promoted another: a
	// replica not yet told to follow the new master acknowledges them (WAIT)
	// and drops them when it is reconfigured. That is Sentinel's
	// asynchronous-replication window, which WAIT on every replica or
	// min-replicas-to-write = replicas closes.
	HealedMidFailover bool `json:"healedMidFailover"`
	MastersAtOnce     int  `json:"mastersAtOnce"`
	// LostBy counts acknowledged writes found missing once this fault
	// healed (and not before): what it cost, with faults that overlapped
	// it. LossWindow names the mechanism: LossKnownWindow when one of them
	// healed mid-failover or saw two masters at once, else LossUnexplained.
	LostBy     int    `json:"lostBy"`
	LossWindow string `json:"lossWindow,omitempty"`
	Err        string `json:"error,omitempty"`
}

// Loss mechanisms (FaultRun.LossWindow).
const (
	LossKnownWindow = "known window: an old master took writes while another was promoted (asynchronous replication)"
	LossUnexplained = "unexplained"
)

// Run executes the plan until it is done or o.Duration has passed, whichever
// is first, and reports. Only a failure to run at all is an error; losses
// and unhealed states are in the report (Report.Passed).
func Run(ctx context.Context, checker *verify.Checker, kinds []Kind, plan []Planned, o Options) (Report, error) {
	o = o.withDefaults()
	byName := map[string]Kind{}
	for _, k := range kinds {
		byName[k.Name] = k
	}
	if pre := checker.Check(ctx); !pre.Passed() {
		return Report{}, fmt.Errorf("soak: %w before the first fault: %v", verify.ErrUnhealthy, pre.Failed())
	}
	rec := checker.StartRecorder(ctx, o.WriteInterval, o.WaitReplicas)
	start := time.Now()
	var runs []FaultRun
	var unhealed []string
	lostSoFar, group := 0, []int{}
	for i, p := range plan {
		if time.Since(start) >= o.Duration || ctx.Err() != nil {
			break
		}
		kind, ok := byName[p.Kind]
		if !ok {
			return Report{}, fmt.Errorf("soak: plan names unknown fault %q", p.Kind)
		}
		run := runOne(ctx, checker, rec, kind, p, start, o)
		run.MastersAtOnce = rec.MostMastersSince(start.Add(run.At))
		runs = append(runs, run)
		group = append(group, len(runs)-1)
		o.Progress(fmt.Sprintf("%4d  %-14s hold %-6s %s", i+1, p.Kind, p.Hold.Round(100*time.Millisecond), describe(run)))
		// Losses are counted once the cluster is healthy again: they belong
		// to this fault and to those that overlapped it.
		if !p.Overlap && run.Err == "" {
			if lost, err := rec.Lost(ctx); err == nil {
				if n := lost - lostSoFar; n > 0 {
					j := attributeLoss(runs, group, n)
					o.Progress(fmt.Sprintf("      %d ACKNOWLEDGED WRITES LOST, after fault %d (%s): %s", n, j+1, runs[j].Kind, runs[j].LossWindow))
				}
				lostSoFar, group = lost, group[:0]
			}
		}
		if run.Err != "" {
			unhealed = append(unhealed, fmt.Sprintf("%s at +%s: %s", run.Kind, run.At.Round(time.Second), run.Err))
			break
		}
		if !p.Overlap {
			sleep(ctx, p.Gap)
		}
		if (i+1)%10 == 0 {
			o.Progress(liveSummary(rec.Writes(), start, o.WriteInterval, len(runs)))
		}
	}
	// The last fault's heal must also end in full health.
	if n := len(runs); n > 0 && runs[n-1].Overlap && len(unhealed) == 0 && ctx.Err() == nil {
		if _, err := awaitHealth(ctx, checker, o.HealDeadline); err != nil {
			unhealed = append(unhealed, "after the last fault: "+err.Error())
		}
	}
	writes, reads, tl, masters, err := rec.Stop(context.WithoutCancel(ctx))
	report := newReport(o, plan, runs, writes, reads, tl, masters, unhealed)
	return report, err
}

// runOne injects, holds, heals, and (unless the next fault overlaps) waits
// for full health.
func runOne(ctx context.Context, checker *verify.Checker, rec *verify.Recorder, kind Kind, p Planned, start time.Time, o Options) FaultRun {
	run := FaultRun{Kind: kind.Name, Overlap: p.Overlap}
	run.MasterBefore = awaitMasterOtherThan(ctx, checker, "", o.HealDeadline)
	if run.MasterBefore == "" {
		run.Err = "the sentinels agree on no master to inject the fault into"
		return run
	}
	injectedAt := time.Now()
	run.At = injectedAt.Sub(start)
	rec.Mark(injectedAt, verify.MarkFault, kind.Name)
	handle, err := kind.Fault.Inject(ctx, run.MasterBefore)
	if err != nil {
		run.Err = "inject: " + err.Error()
		return run
	}
	sleep(ctx, p.Hold)
	run.HealedMidFailover = kind.ResumesMaster && checker.FailoverUnderway(ctx)
	if m := checker.AgreedMaster(ctx); m != "" && m != run.MasterBefore {
		if err := handle.Switched(ctx, m); err != nil {
			run.Err = "after the switch: " + err.Error()
		}
	}
	healedAt := time.Now()
	rec.Mark(healedAt, verify.MarkHeal, kind.Name)
	// Heal even when the soak was interrupted: never leave a fault behind.
	if err := handle.Heal(context.WithoutCancel(ctx)); err != nil {
		run.Err = errors.Join(errors.New(run.Err), fmt.Errorf("heal: %w", err)).Error()
		return run
	}
	run.HealedAt = healedAt.Sub(start)
	if ctx.Err() != nil { // interrupted: healed, nothing more to measure
		return run
	}
	if !p.Overlap {
		took, err := awaitHealth(ctx, checker, o.HealDeadline)
		if err != nil {
			run.Err = err.Error()
			return run
		}
		run.TimeToHealth = took
		rec.Mark(healedAt.Add(took), verify.MarkHealthy, kind.Name)
	}
	run.MasterAfter = checker.AgreedMaster(ctx)
	return run
}

// awaitHealth polls the checks until every one passes; it returns how long that took.
func awaitHealth(ctx context.Context, checker *verify.Checker, within time.Duration) (time.Duration, error) {
	start := time.Now()
	var last verify.Report
	for time.Since(start) < within && ctx.Err() == nil {
		if last = checker.Check(ctx); last.Passed() {
			return time.Since(start), nil
		}
		sleep(ctx, 100*time.Millisecond)
	}
	return 0, fmt.Errorf("not healthy within %s: %v", within, last.Failed())
}

// awaitMasterOtherThan waits until every answering sentinel names one
// master other than old ("" for any master) and returns it ("" past within).
func awaitMasterOtherThan(ctx context.Context, checker *verify.Checker, old string, within time.Duration) string {
	start := time.Now()
	for time.Since(start) < within && ctx.Err() == nil {
		if m := checker.AgreedMaster(ctx); m != "" && m != old {
			return m
		}
		sleep(ctx, 20*time.Millisecond)
	}
	return ""
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func describe(r FaultRun) string {
	switch {
	case r.Err != "":
		return "FAILED: " + r.Err
	case r.Overlap:
		return fmt.Sprintf("master %s → %s, next fault injected while healing", r.MasterBefore, r.MasterAfter)
	default:
		return fmt.Sprintf("master %s → %s, healthy %s after the heal", r.MasterBefore, r.MasterAfter, r.TimeToHealth.Round(10*time.Millisecond))
	}
}

// attributeLoss charges n lost writes to one run of group (faults that
// overlapped each other, counted together): the first in which an old master
// took writes while another was promoted, else the last. It returns its index.
func attributeLoss(runs []FaultRun, group []int, n int) int {
	j, window := group[len(group)-1], false
	for _, g := range group {
		if runs[g].HealedMidFailover || runs[g].MastersAtOnce > 1 {
			j, window = g, true
			break
		}
	}
	runs[j].LostBy, runs[j].LossWindow = n, lossWindow(n, window)
	return j
}

// lossWindow names the mechanism of lost writes ("" for none): known when
// an old master took writes while another was promoted.
func lossWindow(lost int, twoMasters bool) string {
	switch {
	case lost == 0:
		return ""
	case twoMasters:
		return LossKnownWindow
	default:
		return LossUnexplained
	}
}
