package stacktest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/verify"
)

// RequireHealthy waits until every check passes and returns the master.
func RequireHealthy(t *testing.T, ctx context.Context, target verify.Target) string {
	t.Helper()
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	// Replicas may still be finishing their first sync right after `up`.
	return RequireHealthyWithin(t, ctx, checker, 15*time.Second, "all health checks pass")
}

// RequireHealthyWithin polls the checks until they all pass and returns the master.
func RequireHealthyWithin(t *testing.T, ctx context.Context, checker *verify.Checker, within time.Duration, what string) string {
	t.Helper()
	var last verify.Report
	testenv.WaitFor(t, within, what, func() (string, bool) {
		last = checker.Check(ctx)
		return fmt.Sprint(last.Failed()), last.Passed()
	})
	return last.Master
}

// RunDrill runs one drill; it fails unless a new master took over, writes
// resumed and every health check passes again afterwards.
func RunDrill(t *testing.T, ctx context.Context, target verify.Target, kind verify.DrillKind, faults verify.Faults) verify.DrillResult {
	t.Helper()
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	res, err := checker.Drill(ctx, kind, verify.DrillOptions{Faults: faults, Deadline: 30 * time.Second, Progress: func(m string) { t.Log(m) }})
	if err != nil {
		t.Fatalf("%s drill: %v", kind, err)
	}
	if res.NewMaster == res.OldMaster || !res.Health.Passed() {
		t.Fatalf("%s drill: master %s → %s, health %v", kind, res.OldMaster, res.NewMaster, res.Health.Failed())
	}
	t.Logf("%s: sentinels agreed after %s, write gap %s, %d acknowledged, %d lost, old master rejoined after %s",
		kind, res.AllAgree.Round(time.Millisecond), res.WriteGap.Round(time.Millisecond), res.WritesAcked, res.WritesLost, res.Rejoin.Round(time.Millisecond))
	return res
}
