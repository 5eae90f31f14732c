package clients_test

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/test/clients"
	"github.com/platform-team/redis-sentinel/verify"
)

func TestMain(m *testing.M) {
	redislog.Install()
	os.Exit(m.Run())
}

// TestClients_DockerProfiles runs every client of the suite against a Docker
// stack of each security profile, all clients at once: each discovers the
// master from the app contract alone, writes and reads 100 keys, reads through
// a replica, and keeps writing through a safe switchover and through a
// `docker kill` of the master (down-after 2000 ms). Asserted: discovery reaches the master, no
// acknowledged write is lost across the switchover, and every client writes to
// the new master afterwards. The gaps and losses are reported as a table.
func TestClients_DockerProfiles(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "test", "clients")
	if err := clients.Prerequisites(dir); err != nil {
		testenv.Missing(t, "client suite: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	programs, err := clients.Programs(ctx, dir, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Staging's down-after: 1000 ms, the integration tests' drill setting, lets
	// a busy 2-core host miss a freshly promoted master's PINGs and fail over
	// twice, which strands clients that wait for an error to rediscover.
	downAfter := map[string]string{cluster.KeyDownAfter: "2000"}
	profiles := []struct {
		name   string
		slot   stacktest.Slot
		config map[string]string
	}{
		{"plain", 10, downAfter},
		{"acl", 11, with(downAfter, cluster.KeyACL, "true")},
		{"tls", 12, with(downAfter, cluster.KeyTLS, "true")},
		{"acl+tls", 13, with(with(downAfter, cluster.KeyACL, "true"), cluster.KeyTLS, "true")},
	}
	var table clients.Table
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			d := stacktest.NewDocker(t, ctx, p.slot, p.config)
			res, _ := d.Up(ctx)
			deployed, err := automation.DeployedFromOutputs(res.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			target := deployed.Target(true)
			faults := dockerhost.ClusterFaults{Host: d.Host, Cluster: d.Name}
			drill := func(kind verify.DrillKind) func(context.Context) verify.DrillResult {
				return func(ctx context.Context) verify.DrillResult { return stacktest.RunDrill(t, ctx, target, kind, faults) }
			}
			table = append(table, clients.RunProfile(t, ctx, clients.Deployment{
				Profile: p.name, AppEnv: deployed.AppEnv, Target: target,
				OnLoss: func() { logContainers(t, ctx, d.Host, d.Name) },
			}, programs, []clients.Fault{
				{Name: "switchover", Lossless: true, Run: drill(verify.DrillSwitchover)},
				{Name: "kill", Run: drill(verify.DrillCrash)},
			})...)
		})
	}
	t.Logf("client × profile (longest write gap; acknowledged writes lost):\n%s", table.Markdown())
	if path := os.Getenv(clients.TablePathEnv); path != "" {
		if err := os.WriteFile(path, []byte(table.Markdown()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// with is a copy of config with key set to value.
func with(config map[string]string, key, value string) map[string]string {
	out := maps.Clone(config)
	out[key] = value
	return out
}

// logContainers logs the tail of every container's log of the stack, to
// explain a loss.
func logContainers(t *testing.T, ctx context.Context, host *dockerhost.Host, clusterName string) {
	ids, err := host.ContainerIDs(ctx, clusterName)
	if err != nil {
		t.Log(err)
		return
	}
	for name := range ids {
		out, _ := exec.CommandContext(ctx, "docker", "logs", "--timestamps", "--tail", "40", name).CombinedOutput()
		t.Logf("docker logs %s:\n%s", name, out)
	}
}
