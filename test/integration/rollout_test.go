package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/rollout"
	"github.com/platform-team/redis-sentinel/verify"
)

// rolloutProject is a throwaway copy of the project: Pulumi.yaml plus one
// stack file per stage, each on its own test slot.
type rolloutProject struct {
	dir    string
	prefix string
}

func newRolloutProject(t *testing.T) *rolloutProject {
	pulumiYAML, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := &rolloutProject{dir: t.TempDir(), prefix: "ro-" + stacktest.RandomHex(2)}
	if err := os.WriteFile(filepath.Join(p.dir, "Pulumi.yaml"), pulumiYAML, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stage writes the stage's stack file and returns the stack name.
func (p *rolloutProject) stage(t *testing.T, name string, slot stacktest.Slot, image string, switchover bool) string {
	t.Helper()
	stack := p.prefix + "-" + name
	var b strings.Builder
	b.WriteString("config:\n")
	settings := slot.Config()
	settings[cluster.KeyName] = stack
	settings[cluster.KeyImage] = image
	settings[cluster.KeyDownAfter] = strconv.Itoa(cluster.SafeDownAfterMilliseconds)
	settings[cluster.KeyFailoverTimeout] = "10000"
	settings[cluster.KeyRolloutSwitchover] = fmt.Sprint(switchover)
	for k, v := range settings {
		fmt.Fprintf(&b, "  %s:%s: %q\n", automation.ProjectName, k, v)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "Pulumi."+stack+".yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return stack
}

// setImage changes only the image line of a stage's stack file.
func (p *rolloutProject) setImage(t *testing.T, stack, image string) {
	t.Helper()
	path := filepath.Join(p.dir, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), automation.ProjectName+":"+cluster.KeyImage+":") {
			line = fmt.Sprintf("  %s:%s: %q", automation.ProjectName, cluster.KeyImage, image)
		}
		out = append(out, line)
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRollout_PromotesThenRollsBackAFailedGate promotes two stages, then
// promotes a broken image: the first stage fails, is rolled back to its last
// good config and verified, and the second is not touched. A stage the
// rollout itself created is destroyed when its gate fails.
func TestRollout_PromotesThenRollsBackAFailedGate(t *testing.T) {
	testenv.RequirePulumi(t)
	testenv.RequireDockerPlugin(t)
	host := testenv.RequireDocker(t, testenv.LocalImage)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	p := newRolloutProject(t)
	first := p.stage(t, "first", 2, testenv.LocalImage, true)
	second := p.stage(t, "second", 3, testenv.LocalImage, false)
	o := rollout.Options{ProjectDir: p.dir, Deadline: 45 * time.Second, Progress: func(m string) { t.Log(m) },
		Inline: automation.InlineOptions{BackendURL: "file://" + t.TempDir(), Passphrase: stacktest.Passphrase}}
	t.Cleanup(func() {
		for _, name := range []string{first, second} {
			if s, err := automation.UpsertInlineStack(context.Background(), name, withDir(o)); err == nil {
				_, _ = s.Destroy(context.Background())
			}
		}
	})

	res, err := rollout.Run(ctx, []string{first, second}, o)
	if err != nil || !res.Promoted || len(res.Stages) != 2 {
		t.Fatalf("first rollout: %v %+v", err, res)
	}
	if sw := res.Stages[0].Switchover; sw == nil || sw.WritesLost != 0 {
		t.Fatalf("stage %s: switchover gate %+v", first, sw)
	}
	secondIDs, err := host.ContainerIDs(ctx, second)
	if err != nil {
		t.Fatal(err)
	}

	p.setImage(t, first, "redis-sentinel-missing:0.0") // the password stays as it is
	res, err = rollout.Run(ctx, []string{first, second}, o)
	if !errors.Is(err, rollout.ErrGateFailed) || res.Promoted || len(res.Stages) != 1 {
		t.Fatalf("broken rollout: err %v, result %+v (want a failure at %s and no promotion)", err, res, first)
	}
	rb := res.Stages[0].Rollback
	if rb == nil || rb.Action != "restored previous config" || !rb.Verified {
		t.Fatalf("rollback of %s: %+v", first, rb)
	}
	t.Logf("rollback of %s: %s in %s", first, rb.Action, rb.Took.Round(time.Millisecond))
	if after, err := host.ContainerIDs(ctx, second); err != nil || fmt.Sprint(after) != fmt.Sprint(secondIDs) {
		t.Fatalf("stage %s changed although promotion stopped before it (%v)", second, err)
	}

	third := p.stage(t, "third", 4, "redis-sentinel-missing:0.0", false)
	res, err = rollout.Run(ctx, []string{third}, o)
	if !errors.Is(err, rollout.ErrGateFailed) || res.Stages[0].Rollback == nil || res.Stages[0].Rollback.Action != "destroyed" || !res.Stages[0].Rollback.Verified {
		t.Fatalf("new broken stage: %v %+v", err, res)
	}
	if left, err := host.Leftovers(ctx, third); err != nil || len(left) != 0 {
		t.Fatalf("destroyed stage left %v (%v)", left, err)
	}
}

func withDir(o rollout.Options) automation.InlineOptions {
	in := o.Inline
	in.WorkDir = o.ProjectDir
	return in
}

// writerSlack is how far the test's writer and the drill's own writer (each
// writing every 10 ms) may see the same pause differently.
const writerSlack = 100 * time.Millisecond

// TestRollout_RollingUpgradeUnderWriter upgrades a running stage's image while
// a client writes through Sentinel: containers are replaced one at a time with
// a switchover before the master, so no acknowledged write is lost and the
// longest write gap is a switchover pause, not an outage.
func TestRollout_RollingUpgradeUnderWriter(t *testing.T) {
	testenv.RequirePulumi(t)
	testenv.RequireDockerPlugin(t)
	host := testenv.RequireDocker(t, testenv.LocalImage)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	upgraded := testenv.LocalImage + "-it-upgrade"
	if out, err := exec.CommandContext(ctx, "docker", "tag", testenv.LocalImage, upgraded).CombinedOutput(); err != nil {
		t.Fatalf("docker tag: %v %s", err, out)
	}
	p := newRolloutProject(t)
	stage := p.stage(t, "upgrade", 5, testenv.LocalImage, false)
	o := rollout.Options{ProjectDir: p.dir, Deadline: 45 * time.Second, Progress: func(m string) { t.Log(m) },
		Inline: automation.InlineOptions{BackendURL: "file://" + t.TempDir(), Passphrase: stacktest.Passphrase}}
	t.Cleanup(func() {
		if s, err := automation.UpsertInlineStack(context.Background(), stage, withDir(o)); err == nil {
			_, _ = s.Destroy(context.Background())
		}
	})
	if res, err := rollout.Run(ctx, []string{stage}, o); err != nil || !res.Promoted {
		t.Fatalf("initial rollout: %v %+v", err, res)
	}
	before, err := host.ContainerIDs(ctx, stage)
	if err != nil {
		t.Fatal(err)
	}

	s, err := automation.UpsertInlineStack(ctx, stage, withDir(o))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := automation.DeployedFromOutputs(out)
	if err != nil {
		t.Fatal(err)
	}
	checker, err := verify.NewChecker(d.Target(false))
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()

	p.setImage(t, stage, upgraded) // as a user edits the stack file: the password stays
	writer := checker.StartWriter(ctx, 10*time.Millisecond, 0)
	res, err := rollout.Run(ctx, []string{stage}, o)
	report, lostErr := writer.Stop(ctx)
	if err != nil || !res.Promoted {
		t.Fatalf("upgrade rollout: %v %+v", err, res)
	}
	if lostErr != nil {
		t.Fatal(lostErr)
	}
	t.Logf("upgrade under a writer: %d writes acknowledged, %d failed, %d lost, longest gap %s, rollout %s",
		report.Acked, report.Failed, report.Lost, report.LongestGap.Round(time.Millisecond), res.Stages[0].Up.Round(time.Millisecond))
	if report.Lost != 0 {
		t.Errorf("%d acknowledged writes lost during the upgrade", report.Lost)
	}
	// The only outage may be the handover's write pause: the master was
	// switched over, not taken down. (An absolute bound cannot tell the two
	// apart: the pause lasts until all sentinels agree, 1.1-2.2 s as Sentinel
	// polls the promoted replica's INFO once a second, and a crash costs
	// down-after 1 s + ~1.2 s.)
	handover := res.Stages[0].Handover
	if handover == nil {
		t.Fatal("the upgrade replaced the master without a switchover first")
	}
	if report.LongestGap > handover.WriteGap+writerSlack {
		t.Errorf("longest write gap %s, but the handover paused writes for only %s: the upgrade took the master down",
			report.LongestGap, handover.WriteGap)
	}
	after, err := host.ContainerIDs(ctx, stage)
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range before {
		if !strings.HasSuffix(name, "-settings") && !strings.HasSuffix(name, "-monitor") && !strings.HasSuffix(name, "-apply-credentials") && after[name] == id {
			t.Errorf("%s was not replaced by the image upgrade", name)
		}
	}

	t.Run("a password rotation is promoted in place", func(t *testing.T) {
		old, err := s.GetConfig(ctx, automation.ProjectName+":"+cluster.KeyPassword)
		if err != nil {
			t.Fatal(err)
		}
		rotated := "rollout-rotated-" + stacktest.RandomHex(12)
		if err := automation.SetConfig(ctx, s, map[string]string{cluster.KeyPreviousPassword: old.Value}, rotated); err != nil {
			t.Fatal(err)
		}
		for phase, change := range []string{"accept both", "drop the old"} {
			if phase == 1 {
				if err := s.RemoveConfig(ctx, automation.ProjectName+":"+cluster.KeyPreviousPassword); err != nil {
					t.Fatal(err)
				}
			}
			res, err := rollout.Run(ctx, []string{stage}, o)
			if err != nil || !res.Promoted || res.Stages[0].Rollback != nil {
				t.Fatalf("rotation (%s): %v %+v", change, err, res)
			}
			t.Logf("rotation (%s): promoted, up %s", change, res.Stages[0].Up.Round(time.Millisecond))
		}
		rotatedIDs, err := host.ContainerIDs(ctx, stage)
		if err != nil {
			t.Fatal(err)
		}
		for name, id := range after {
			if (strings.Contains(name, "-node-") || strings.Contains(name, "-sentinel-")) && rotatedIDs[name] != id {
				t.Errorf("%s was replaced by a password rotation", name)
			}
		}
	})
}
