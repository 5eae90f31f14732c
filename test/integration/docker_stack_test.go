// Package integration runs the real program against a real Docker daemon with
// a real Pulumi engine (Automation API, inline program = main.go's program).
package integration

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/verify"
)

func TestMain(m *testing.M) {
	redislog.Install()
	os.Exit(m.Run())
}

// TestDockerStack_UpFailoverDestroy is the Docker platform's end-to-end proof:
// up → healthy through Sentinel → idempotent re-up → live timer change →
// master killed → new master takes writes → destroy leaves nothing.
func TestDockerStack_UpFailoverDestroy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d := stacktest.NewDocker(t, ctx, 0, nil)

	res, took := d.Up(ctx)
	t.Logf("pulumi up (empty → ready): %s", took.Round(time.Millisecond))
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	target := deployed.Target(true)
	if target.Password != d.Password {
		t.Fatalf("appEnv %s does not carry the configured password", cluster.EnvPassword)
	}
	initialMaster := stacktest.RequireHealthy(t, ctx, target)
	if want := deployed.Nodes[cluster.InitialMaster]; initialMaster != want {
		t.Fatalf("initial master %s, want node 0 at %s", initialMaster, want)
	}

	t.Run("the password appears nowhere in plaintext", func(t *testing.T) {
		requireNoSecretLeak(t, ctx, d)
	})

	t.Run("second up reports no changes", func(t *testing.T) {
		res, _ := d.Up(ctx)
		for op, n := range *res.Summary.ResourceChanges {
			if op != "same" && n > 0 {
				t.Errorf("second up: %d resources %s, want all same: %v", n, op, *res.Summary.ResourceChanges)
			}
		}
	})

	t.Run("timer change updates the live cluster in place", func(t *testing.T) {
		before, err := d.Host.ContainerIDs(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		d.SetConfig(ctx, map[string]string{cluster.KeyDownAfter: "2500"})
		res, _ := d.Up(ctx)
		after, err := d.Host.ContainerIDs(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		for name, id := range before {
			if name != (cluster.Spec{Name: d.Name}).SettingsJobName() && after[name] != id {
				t.Errorf("%s was replaced by a timer change", name)
			}
		}
		live, err := automation.DeployedFromOutputs(res.Outputs)
		if err != nil {
			t.Fatal(err)
		}
		if live.Timers.DownAfterMilliseconds != 2500 {
			t.Fatalf("timers output %+v, want down-after 2500", live.Timers)
		}
		target.Expect.Timers = &live.Timers
		stacktest.RequireHealthy(t, ctx, target) // includes the live-timers check
	})

	// `docker kill` of the master: a new master is promoted, writes resume, the
	// old master rejoins as a replica; then a planned switchover loses nothing.
	faults := dockerhost.ClusterFaults{Host: d.Host, Cluster: d.Name}
	t.Run("crash drill: docker kill of the master", func(t *testing.T) {
		res := stacktest.RunDrill(t, ctx, target, verify.DrillCrash, faults)
		if res.OldMaster != initialMaster || res.WritesFailed == 0 {
			t.Fatalf("crash of %s: %+v", initialMaster, res)
		}
	})
	t.Run("switchover drill loses no acknowledged write", func(t *testing.T) {
		if res := stacktest.RunDrill(t, ctx, target, verify.DrillSwitchover, faults); res.WritesLost != 0 {
			t.Fatalf("switchover lost %d acknowledged writes", res.WritesLost)
		}
	})

	start := time.Now()
	if _, err := d.Stack.Destroy(ctx, optdestroy.SuppressProgress()); err != nil {
		t.Fatalf("pulumi destroy: %v", err)
	}
	t.Logf("pulumi destroy: %s", time.Since(start).Round(time.Millisecond))
	left, err := d.Host.Leftovers(ctx, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Fatalf("destroy left %v", left)
	}
}
