package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/rollout"
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
	p := &rolloutProject{dir: t.TempDir(), prefix: "ro-" + randomHex(2)}
	if err := os.WriteFile(filepath.Join(p.dir, "Pulumi.yaml"), pulumiYAML, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stage writes the stage's stack file and returns the stack name.
func (p *rolloutProject) stage(t *testing.T, name string, slot testSlot, image string, switchover bool) string {
	t.Helper()
	stack := p.prefix + "-" + name
	var b strings.Builder
	b.WriteString("config:\n")
	settings := slot.config()
	settings[cluster.KeyName] = stack
	settings[cluster.KeyImage] = image
	settings[cluster.KeyDownAfter] = "1000"
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
		Inline: automation.InlineOptions{BackendURL: "file://" + t.TempDir(), Passphrase: testPassphrase}}
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

	p.stage(t, "first", 2, "redis-sentinel-missing:0.0", true)
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
