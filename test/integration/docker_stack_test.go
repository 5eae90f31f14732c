// Package integration runs the real program against a real Docker daemon with
// a real Pulumi engine (Automation API, inline program = main.go's program).
package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/verify"
)

// testSlot places a test stack on its own subnet and host ports, clear of the
// quick-start stack and of each other: slot n uses 172.28.(200+n).0/24 and
// host ports 18379+100n / 38379+100n.
type testSlot int

func (s testSlot) config() map[string]string {
	return map[string]string{
		cluster.KeyDockerSubnet:           fmt.Sprintf("172.28.%d.0/24", 200+int(s)),
		cluster.KeyDockerNodePortBase:     strconv.Itoa(18379 + 100*int(s)),
		cluster.KeyDockerSentinelPortBase: strconv.Itoa(38379 + 100*int(s)),
	}
}

func TestMain(m *testing.M) {
	redislog.Install()
	os.Exit(m.Run())
}

// testPassphrase encrypts the throwaway test stacks' secrets.
const testPassphrase = "integration-test-only"

type dockerStack struct {
	t        *testing.T
	stack    auto.Stack
	host     *dockerhost.Host
	name     string // cluster name: the resource prefix and label value
	password string
	backend  string // the file backend's directory: the Pulumi state
}

func newDockerStack(t *testing.T, ctx context.Context, slot testSlot, extra map[string]string) *dockerStack {
	testenv.RequirePulumi(t)
	testenv.RequireDockerPlugin(t)
	host := testenv.RequireDocker(t, testenv.LocalImage)

	suffix := randomHex(3)
	d := &dockerStack{t: t, host: host, name: "it-" + suffix, password: "it-" + randomHex(12), backend: t.TempDir()}
	s, err := automation.UpsertInlineStack(ctx, "it-"+suffix, automation.InlineOptions{
		BackendURL: "file://" + d.backend,
		Passphrase: testPassphrase,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.stack = s
	config := map[string]string{
		cluster.KeyName:            d.name,
		cluster.KeyImage:           testenv.LocalImage,
		cluster.KeyDownAfter:       "1000",
		cluster.KeyFailoverTimeout: "10000",
	}
	maps.Copy(config, slot.config())
	maps.Copy(config, extra)
	d.setConfig(ctx, config)
	// Destroy even when the test fails, so no container outlives it.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if _, err := d.stack.Destroy(ctx, optdestroy.ContinueOnError()); err != nil {
			t.Errorf("cleanup destroy: %v", err)
		}
		_ = d.stack.Workspace().RemoveStack(ctx, d.stack.Name())
	})
	return d
}

func (d *dockerStack) setConfig(ctx context.Context, plain map[string]string) {
	d.t.Helper()
	if err := automation.SetConfig(ctx, d.stack, plain, d.password); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dockerStack) up(ctx context.Context) (auto.UpResult, time.Duration) {
	d.t.Helper()
	start := time.Now()
	res, err := d.stack.Up(ctx, optup.SuppressProgress())
	if err != nil {
		d.t.Fatalf("pulumi up: %v", err)
	}
	return res, time.Since(start)
}

// TestDockerStack_UpFailoverDestroy is the Docker platform's end-to-end proof:
// up → healthy through Sentinel → idempotent re-up → live timer change →
// master killed → new master takes writes → destroy leaves nothing.
func TestDockerStack_UpFailoverDestroy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d := newDockerStack(t, ctx, 0, nil)

	res, took := d.up(ctx)
	t.Logf("pulumi up (empty → ready): %s", took.Round(time.Millisecond))
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	target := deployed.Target(true)
	if target.Password != d.password {
		t.Fatalf("appEnv %s does not carry the configured password", cluster.EnvPassword)
	}
	initialMaster := requireHealthy(t, ctx, target)
	if want := deployed.Nodes[cluster.InitialMaster]; initialMaster != want {
		t.Fatalf("initial master %s, want node 0 at %s", initialMaster, want)
	}

	t.Run("the password appears nowhere in plaintext", func(t *testing.T) {
		requireNoSecretLeak(t, ctx, d)
	})

	t.Run("second up reports no changes", func(t *testing.T) {
		res, _ := d.up(ctx)
		for op, n := range *res.Summary.ResourceChanges {
			if op != "same" && n > 0 {
				t.Errorf("second up: %d resources %s, want all same: %v", n, op, *res.Summary.ResourceChanges)
			}
		}
	})

	t.Run("timer change updates the live cluster in place", func(t *testing.T) {
		before, err := d.host.ContainerIDs(ctx, d.name)
		if err != nil {
			t.Fatal(err)
		}
		d.setConfig(ctx, map[string]string{cluster.KeyDownAfter: "1500"})
		res, _ := d.up(ctx)
		after, err := d.host.ContainerIDs(ctx, d.name)
		if err != nil {
			t.Fatal(err)
		}
		for name, id := range before {
			if name != (cluster.Spec{Name: d.name}).SettingsJobName() && after[name] != id {
				t.Errorf("%s was replaced by a timer change", name)
			}
		}
		live, err := automation.DeployedFromOutputs(res.Outputs)
		if err != nil {
			t.Fatal(err)
		}
		if live.Timers.DownAfterMilliseconds != 1500 {
			t.Fatalf("timers output %+v, want down-after 1500", live.Timers)
		}
		target.Expect.Timers = &live.Timers
		requireHealthy(t, ctx, target) // includes the live-timers check
	})

	// `docker kill` of the master: a new master is promoted, writes resume, the
	// old master rejoins as a replica; then a planned switchover loses nothing.
	faults := dockerhost.ClusterFaults{Host: d.host, Cluster: d.name}
	t.Run("crash drill: docker kill of the master", func(t *testing.T) {
		res := runDrill(t, ctx, target, verify.DrillCrash, faults)
		if res.OldMaster != initialMaster || res.WritesFailed == 0 {
			t.Fatalf("crash of %s: %+v", initialMaster, res)
		}
	})
	t.Run("switchover drill loses no acknowledged write", func(t *testing.T) {
		if res := runDrill(t, ctx, target, verify.DrillSwitchover, faults); res.WritesLost != 0 {
			t.Fatalf("switchover lost %d acknowledged writes", res.WritesLost)
		}
	})

	start := time.Now()
	if _, err := d.stack.Destroy(ctx, optdestroy.SuppressProgress()); err != nil {
		t.Fatalf("pulumi destroy: %v", err)
	}
	t.Logf("pulumi destroy: %s", time.Since(start).Round(time.Millisecond))
	left, err := d.host.Leftovers(ctx, d.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Fatalf("destroy left %v", left)
	}
}

// runDrill runs one drill; it fails unless a new master took over, writes
// resumed and every health check passes again afterwards.
func runDrill(t *testing.T, ctx context.Context, target verify.Target, kind verify.DrillKind, faults verify.Faults) verify.DrillResult {
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

// requireHealthy waits until every check passes and returns the master.
func requireHealthy(t *testing.T, ctx context.Context, target verify.Target) string {
	t.Helper()
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	// Replicas may still be finishing their first sync right after `up`.
	return requireHealthyWithin(t, ctx, checker, 15*time.Second, "all health checks pass")
}

// requireHealthyWithin polls the checks until they all pass and returns the master.
func requireHealthyWithin(t *testing.T, ctx context.Context, checker *verify.Checker, within time.Duration, what string) string {
	t.Helper()
	var last verify.Report
	testenv.WaitFor(t, within, what, func() (string, bool) {
		last = checker.Check(ctx)
		return fmt.Sprint(last.Failed()), last.Passed()
	})
	return last.Master
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
