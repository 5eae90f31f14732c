package clients_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

// TablePathEnv, when set, names a file the results table is written to
// (markdown, for the README).
const TablePathEnv = "REDIS_SENTINEL_CLIENTS_TABLE"

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
			faults := dockerhost.ClusterFaults{Host: d.Host, Cluster: d.Name}
			table = append(table, runProfile(t, ctx, p.name, programs, deployed, faults)...)
		})
	}
	t.Logf("client × profile (longest write gap; acknowledged writes lost):\n%s", table.Markdown())
	if path := os.Getenv(TablePathEnv); path != "" {
		if err := os.WriteFile(path, []byte(table.Markdown()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// runProfile starts every program against one deployed stack and takes them
// through the switchover and the kill.
func runProfile(t *testing.T, ctx context.Context, profile string, programs []clients.Program, deployed automation.Deployed, faults verify.Faults) clients.Table {
	target := deployed.Target(true) // the admin's view, for drills and run ids
	master := stacktest.RequireHealthy(t, ctx, target)

	running := make([]*clients.Client, 0, len(programs))
	for _, p := range programs {
		c, err := clients.Start(ctx, p, deployed.AppEnv, "clients:"+p.Name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		})
		running = append(running, c)
	}
	rows := make(clients.Table, len(running))
	lossSeen := false
	defer func() {
		if lossSeen {
			logContainers(t, ctx, faults)
		}
	}()
	wantRunID := runID(t, ctx, target, master)
	for i, c := range running {
		ready, err := c.Next(ctx, "ready", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = clients.Row{Client: c.Program.Name, Library: ready.Library, Profile: profile}
		if ready.RunID != wantRunID || ready.Role != "master" {
			t.Errorf("%s discovered a node with run id %s, role %s; the master %s has run id %s", c.Program.Name, ready.RunID, ready.Role, master, wantRunID)
		}
		if ready.Keys != 100 || !ready.ReplicaRead || ready.ReplicaRole != "slave" {
			t.Errorf("%s: %d of 100 keys read back; through a replica: read %v from a node of role %q", c.Program.Name, ready.Keys, ready.ReplicaRead, ready.ReplicaRole)
		}
	}

	for _, phase := range []struct {
		name string
		kind verify.DrillKind
	}{{"switchover", verify.DrillSwitchover}, {"kill", verify.DrillCrash}} {
		for _, c := range running {
			if err := c.Send("write " + phase.name); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Next(ctx, "writing", 10*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second) // writes flow before the fault ...
		drill := stacktest.RunDrill(t, ctx, target, phase.kind, faults)
		time.Sleep(time.Second) // ... and after the cluster is healthy again
		newRunID := runID(t, ctx, target, drill.Health.Master)
		for i, c := range running {
			if err := c.Send("stop"); err != nil {
				t.Fatal(err)
			}
			r, err := c.Next(ctx, "result", 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			rows[i].Record(phase.name, r, drill)
			t.Logf("%s %s: %d acknowledged, %d failed %v, %d lost, longest gap %s (the verifier's writer: %s)",
				c.Program.Name, phase.name, r.Acked, r.Failed, r.Errors, r.Lost, r.LongestGap(), drill.WriteGap.Round(time.Millisecond))
			if r.Lost > 0 {
				lossSeen = true
				t.Logf("%s %s: writes %d..%d of 0..%d lost (10 ms apart); the drill: %s → %s, %d masters seen at once",
					c.Program.Name, phase.name, r.FirstLost, r.LastLost, r.LastAcked, drill.OldMaster, drill.NewMaster, drill.MastersSeen)
			}
			if r.Acked == 0 {
				t.Errorf("%s %s: no write acknowledged", c.Program.Name, phase.name)
			}
			if phase.kind == verify.DrillSwitchover && r.Lost != 0 {
				t.Errorf("%s lost %d acknowledged writes across the switchover", c.Program.Name, r.Lost)
			}
			if r.RunID != newRunID || r.Role != "master" {
				t.Errorf("%s after the %s writes to run id %s (role %s), not the new master %s (run id %s)",
					c.Program.Name, phase.name, r.RunID, r.Role, drill.Health.Master, newRunID)
			}
		}
	}
	return rows
}

// with is a copy of config with key set to value.
func with(config map[string]string, key, value string) map[string]string {
	out := maps.Clone(config)
	out[key] = value
	return out
}

// logContainers logs the tail of every container's log of the stack, to
// explain a loss.
func logContainers(t *testing.T, ctx context.Context, faults verify.Faults) {
	f, ok := faults.(dockerhost.ClusterFaults)
	if !ok {
		return
	}
	ids, err := f.Host.ContainerIDs(ctx, f.Cluster)
	if err != nil {
		t.Log(err)
		return
	}
	for name := range ids {
		out, _ := exec.CommandContext(ctx, "docker", "logs", "--timestamps", "--tail", "40", name).CombinedOutput()
		t.Logf("docker logs %s:\n%s", name, out)
	}
}

// runID is the run id of the data node at addr, asked as the admin.
func runID(t *testing.T, ctx context.Context, target verify.Target, addr string) string {
	t.Helper()
	node := redis.NewClient(&redis.Options{Addr: addr, Username: target.Username, Password: target.Password,
		Dialer: target.EffectiveDialer(), DisableIdentity: true})
	defer node.Close()
	text, err := node.Info(ctx, "server").Result()
	if err != nil {
		t.Fatalf("node %s: info server: %v", addr, err)
	}
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
			return v
		}
	}
	t.Fatal(fmt.Sprintf("node %s: no run_id in INFO server", addr))
	return ""
}
