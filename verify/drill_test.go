package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/verify"
)

func drill(t *testing.T, c *redistest.Cluster, kind verify.DrillKind) verify.DrillResult {
	t.Helper()
	checker, err := verify.NewChecker(c.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := checker.Drill(ctx, kind, verify.DrillOptions{Faults: c, Deadline: 30 * time.Second, Progress: func(m string) { t.Log(m) }})
	if err != nil {
		t.Fatalf("%s drill: %v", kind, err)
	}
	if res.NewMaster == "" || res.NewMaster == res.OldMaster {
		t.Fatalf("%s drill: master %s → %s, want a new one", kind, res.OldMaster, res.NewMaster)
	}
	if !res.Health.Passed() {
		t.Fatalf("%s drill: health after %v, master %s", kind, res.Health.Failed(), res.Health.Master)
	}
	if res.Health.Master != res.NewMaster {
		// Under heavy CPU load (CI runs a Kubernetes cluster alongside), down-after
		// 1000 ms can cost a second failover after the first; the cluster must
		// still end healthy with one master, which the checks above prove.
		t.Logf("%s drill: the sentinels moved the master again, %s → %s", kind, res.NewMaster, res.Health.Master)
	}
	if res.FirstSwitch <= 0 || res.AllAgree < res.FirstSwitch || res.WritesAcked == 0 {
		t.Fatalf("%s drill: implausible measurements %+v", kind, res)
	}
	t.Logf("%s: first switch %s, all agree %s, write gap %s, writes resumed after %s, acked %d, failed %d, lost %d, rejoin %s",
		kind, res.FirstSwitch, res.AllAgree, res.WriteGap, res.WritesResumed, res.WritesAcked, res.WritesFailed, res.WritesLost, res.Rejoin)
	return res
}

func TestDrill_CrashFailsOverAndOldMasterRejoins(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	res := drill(t, c, verify.DrillCrash)
	// Writes fail from the kill until the promotion: the gap spans the detection time.
	if res.WritesFailed == 0 || res.WriteGap < time.Duration(c.Spec.Timers.DownAfterMilliseconds)*time.Millisecond {
		t.Fatalf("a crash with down-after %dms caused no outage: %+v", c.Spec.Timers.DownAfterMilliseconds, res)
	}
}

// The safe switchover loses no acknowledged write, run after run.
func TestDrill_SwitchoverLosesNothing(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	for range 2 {
		res := drill(t, c, verify.DrillSwitchover)
		if res.WritesLost != 0 {
			t.Fatalf("switchover lost %d acknowledged writes", res.WritesLost)
		}
		if res.Rejoin > time.Second {
			t.Errorf("old master took %s to replicate: it was not demoted before writes were released", res.Rejoin)
		}
	}
}

// A plain SENTINEL FAILOVER leaves the old master accepting writes after a
// replica has been promoted; a client that has not yet learned of the switch
// gets them acknowledged, and they vanish when Sentinel demotes the old
// master. The drill's writer (go-redis, which follows +switch-master) loses
// some or none depending on timing; a client pinned to the old master shows
// the mechanism every time. The safe switchover closes that window.
func TestPlainFailover_OldMasterAcknowledgesWritesThatAreLost(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	old := c.Layout.Nodes[0].String()
	stale := redis.NewClient(&redis.Options{Addr: old, Password: c.Spec.Password})
	defer stale.Close()

	sentinel := redis.NewSentinelClient(&redis.Options{Addr: c.Layout.Sentinels[0].String(), Password: c.Spec.Password})
	defer sentinel.Close()
	if err := sentinel.Failover(ctx, c.Spec.MasterName).Err(); err != nil {
		t.Fatal(err)
	}
	promoted := testenv.WaitFor(t, 15*time.Second, "a replica is promoted", func() (string, bool) {
		for _, n := range c.Layout.Nodes[1:] {
			cl := redis.NewClient(&redis.Options{Addr: n.String(), Password: c.Spec.Password})
			role, err := cl.Do(ctx, "ROLE").Slice()
			cl.Close()
			if err == nil && len(role) > 0 && role[0] == "master" {
				return n.String(), true
			}
		}
		return "", false
	})
	// The old master still acknowledges this write: there are two masters now.
	if err := stale.Set(ctx, "written-after-promotion", "acknowledged", 0).Err(); err != nil {
		t.Fatalf("old master refused a write right after the promotion (%v): the window did not open", err)
	}
	newMaster := redis.NewClient(&redis.Options{Addr: promoted, Password: c.Spec.Password})
	defer newMaster.Close()
	testenv.WaitFor(t, 30*time.Second, "Sentinel demotes the old master and it resyncs", func() (string, bool) {
		info, err := stale.Info(ctx, "replication").Result()
		return info, err == nil && strings.Contains(info, "master_link_status:up")
	})
	if n, err := newMaster.Exists(ctx, "written-after-promotion").Result(); err != nil || n != 0 {
		t.Fatalf("the write acknowledged by the old master survived (exists=%d, %v)", n, err)
	}
	t.Log("plain SENTINEL FAILOVER: a write acknowledged by the old master after the promotion was lost")

	res := drill(t, c, verify.DrillPlainFailover)
	t.Logf("plain failover drill through go-redis: %d acknowledged writes lost (0 or more, depending on timing)", res.WritesLost)
}
