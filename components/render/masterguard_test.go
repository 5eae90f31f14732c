package render_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/verify"
)

// guardDrill runs fault under a WAIT 1 writer on n preloaded keys and
// requires a failover, no acknowledged write lost and every preloaded key kept.
func guardDrill(t *testing.T, c *redistest.Cluster, fault verify.Fault, n int) verify.DrillResult {
	t.Helper()
	checker, err := verify.NewChecker(c.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	res, err := checker.RunFault(context.Background(), fault, verify.DrillOptions{WaitReplicas: 1, Preload: n, Progress: func(m string) { t.Log(m) }})
	if err != nil {
		t.Fatalf("%s: %v\nold master's log:\n%s", fault.Name, err, c.NodeLog(0))
	}
	if failover := res.NewMaster != res.OldMaster; fault.Expect != verify.FailoverAllowed && failover != (fault.Expect == verify.FailoverRequired) {
		t.Errorf("%s: master %s → %s, want a failover: %v", fault.Name, res.OldMaster, res.NewMaster, !failover)
	}
	if res.WritesLost > 0 {
		t.Errorf("%s: %d of %d acknowledged writes lost", fault.Name, res.WritesLost, res.WritesAcked)
	}
	if res.PreloadedLost > 0 {
		t.Errorf("%s: %d of %d preloaded keys (acknowledged by every replica) lost", fault.Name, res.PreloadedLost, n)
	}
	return res
}

// TestStartScript_MasterGuardKeepsDataOfLostDisk: the master's disk is lost
// and it is back at once, long before down-after. It must not serve its
// empty dataset (the replicas would resync to nothing): it waits for the
// failover and rejoins the new master as a replica.
func TestStartScript_MasterGuardKeepsDataOfLostDisk(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	res := guardDrill(t, c, verify.DataLossFault(c), 2000)
	t.Logf("disk lost: new master after %s, writes resumed after %s, %d acknowledged, 0 lost", res.AllAgree, res.WritesResumed, res.WritesAcked)
	log := c.NodeLog(0)
	for _, want := range []string{"other nodes hold data it would overwrite", "own data: empty", "after failing over away from this node"} {
		if !strings.Contains(log, want) {
			t.Errorf("node 0's log does not say %q:\n%s", want, log)
		}
	}
}

// TestStartScript_MasterGuardKeepsWritesOfRestartedMaster: a crashed master
// restarted in place (a restart policy) reloads an AOF that may lack what its
// replicas acknowledged; it must hand the role over instead.
func TestStartScript_MasterGuardKeepsWritesOfRestartedMaster(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	res := guardDrill(t, c, verify.CrashRestartFault(c), 500)
	t.Logf("crash-restart: new master after %s, %d acknowledged, 0 lost", res.AllAgree, res.WritesAcked)
}

// TestStartScript_MasterGuardAfterEveryNodeRestarted: every data node
// crashes and restarts at once (a host reboot, `docker restart` of all). The
// replicas restart too, so their replication offsets are gone and Sentinel
// could only pick one of them blindly; the master, which executed every
// write any of them holds, serves its own data, and nothing is lost.
func TestStartScript_MasterGuardAfterEveryNodeRestarted(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	restartAll := verify.Fault{Name: "every data node restarted", Expect: verify.FailoverAllowed, Inject: func(ctx context.Context, _ string) (verify.FaultHandle, error) {
		var errs []error
		for i, n := range c.Layout.Nodes {
			c.KillNode(i)
			errs = append(errs, c.Recover(ctx, n.String()))
		}
		return verify.FaultFuncs{}, errors.Join(errs...)
	}}
	res := guardDrill(t, c, restartAll, 500)
	t.Logf("every node restarted: master %s → %s, longest write gap %s, %d acknowledged, 0 lost", res.OldMaster, res.NewMaster, res.WriteGap, res.WritesAcked)
}

// TestStartScript_MasterGuardTrustsAnAOFSyncedOnEveryWrite: with
// appendfsync always the AOF holds every write its replicas hold, so a
// crashed master restarted in place serves at once, with no failover.
func TestStartScript_MasterGuardTrustsAnAOFSyncedOnEveryWrite(t *testing.T) {
	c := redistest.Start(t, redistest.Options{AppendFsync: "always"})
	fault := verify.CrashRestartFault(c)
	fault.Expect, fault.Hold = verify.FailoverForbidden, 3*time.Second
	res := guardDrill(t, c, fault, 500)
	t.Logf("appendfsync always: master kept, longest write gap %s, %d acknowledged, 0 lost", res.WriteGap, res.WritesAcked)
	if log := c.NodeLog(0); !strings.Contains(log, "none holds data this node would overwrite (own data: complete)") {
		t.Errorf("node 0's log does not say its AOF is complete:\n%s", log)
	}
}

// TestStartScript_MasterGuardDecidesWithinBounds: a node named master whose
// peers hold data but no failover comes (the sentinels see the running
// node), or whose peers do not answer, decides within its bound and says why.
func TestStartScript_MasterGuardDecidesWithinBounds(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	c.Write("guard:data", "kept")
	run := newStartScriptRun(t, c)
	node0 := hostPort(c.Layout.Nodes[0])
	timed := func(t *testing.T) (string, string, time.Duration) {
		start := time.Now()
		out, target := run.runAs(0)
		return out, target, time.Since(start)
	}
	// down-after 1000 ms: the guard waits 2 × 1 s + its slack.
	failoverBound := time.Duration(2+render.GuardFailoverSlackSeconds+3) * time.Second

	t.Run("own disk empty: follows the most advanced node with data", func(t *testing.T) {
		out, target, took := timed(t)
		if target == "" || target == node0 {
			t.Errorf("serves as master over its replicas' data (replicaof %q):\n%s", target, out)
		}
		if !strings.Contains(out, "this node's disk being empty") || took > failoverBound {
			t.Errorf("took %s (bound %s), log:\n%s", took, failoverBound, out)
		}
	})
	t.Run("own data present: serves it and says what that costs", func(t *testing.T) {
		manifest := filepath.Join(run.paths.DataDir, "appendonlydir", "appendonly.aof.manifest")
		if err := os.MkdirAll(filepath.Dir(manifest), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(manifest, []byte("file appendonly.aof.1.base.rdb seq 1 type b\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, target, took := timed(t)
		if target != "" {
			t.Errorf("follows %q, want its own data served", target)
		}
		if !strings.Contains(out, "replicas resync from it and lose what it lacks") || took > failoverBound {
			t.Errorf("took %s (bound %s), log:\n%s", took, failoverBound, out)
		}
	})
	for i := range c.Spec.Sentinels {
		c.KillSentinel(i)
	}
	for i := 1; i < c.Spec.DataNodeCount(); i++ {
		c.KillNode(i)
	}
	t.Run("nobody answers: master after the peer wait", func(t *testing.T) {
		out, target, took := timed(t)
		peerBound := time.Duration(render.GuardPeerWaitSeconds+3) * time.Second
		if target != "" || !strings.Contains(out, "0 of 2 other nodes answered") || took > peerBound {
			t.Errorf("replicaof %q after %s (bound %s), log:\n%s", target, took, peerBound, out)
		}
	})
}
