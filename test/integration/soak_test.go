package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/drillplot"
	"github.com/platform-team/redis-sentinel/internal/faultmatrix"
	"github.com/platform-team/redis-sentinel/soak"
	"github.com/platform-team/redis-sentinel/verify"
)

// soakSeed fixes CI's schedule: every run replays the same faults, holds,
// gaps and overlaps.
const soakSeed = 20261211

// TestSoak_ShortFixedSeed is CI's soak: three minutes of the seeded random
// schedule over every Docker fault kind, on the secured profile (ACL, TLS,
// minReplicasToWrite 1, down-after 2000 ms), under a WAIT 1 writer and a
// reader through Sentinel. No acknowledged write may be lost and every state
// must heal; the figures and the timeline picture are logged and written.
func TestSoak_ShortFixedSeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	_, _, checker, env := securedStack(t, ctx, 8)
	kinds := faultmatrix.SoakKinds(env)
	opts := soak.Options{Duration: 3 * time.Minute, Seed: soakSeed, WaitReplicas: 1, HoldMax: 8 * time.Second,
		Progress: func(m string) { t.Log(m) }}
	plan := soak.Plan(soakSeed, kinds, opts.Duration, opts)
	report, err := soak.Run(ctx, checker, kinds, plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("soak seed %d: %d faults in %s, availability %.3f%%, %d acked, %d failed, %d lost, reads %d/%d ok, at most %d master(s) at once",
		report.Seed, len(report.Faults), report.Duration.Round(time.Second), 100*report.Availability, report.Writes.Acked,
		report.Writes.Failed, report.Writes.Lost, report.Reads.OK, report.Reads.OK+report.Reads.Failed, report.MastersSeenAtOnce)
	for kind, f := range report.PerKind {
		t.Logf("  %-14s ×%d (overlapped %d, healed mid-failover %d): outage p50 %s p99 %s max %s, to health p50 %s max %s, lost %d (known window %d)",
			kind, f.Count, f.Overlapped, f.HealedMidFailover, f.OutageP50, f.OutageP99, f.OutageMax, f.HealthP50, f.HealthMax, f.Lost, f.LostKnownWindow)
	}
	if !report.Passed() {
		t.Fatalf("soak failed: %d acknowledged writes lost (%d unexplained), unhealed %v", report.Writes.Lost, report.LostUnexplained, report.Unhealed)
	}
	if len(report.Faults) < 8 || report.Writes.Acked == 0 || report.Reads.OK == 0 {
		t.Fatalf("soak ran %d faults, %d acked writes, %d reads: too little to judge", len(report.Faults), report.Writes.Acked, report.Reads.OK)
	}
	picture := filepath.Join(t.TempDir(), "soak.svg")
	if dir := os.Getenv("REDIS_SENTINEL_SOAK_PLOT_DIR"); dir != "" {
		picture = filepath.Join(dir, "soak-ci.svg")
	}
	if err := drillplot.Write(report.Timeline, "CI soak, seed 20261211", picture); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(picture)
	if err != nil || !strings.Contains(string(raw), verify.MarkHeal) {
		t.Fatalf("soak picture %s lacks the heal marks (%v)", picture, err)
	}
}
