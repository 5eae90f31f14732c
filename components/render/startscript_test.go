package render_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// startScriptRun renders node i's start script with paths in a temp dir and an
// Exec that prints the live config instead of starting Redis.
type startScriptRun struct {
	t     *testing.T
	c     *redistest.Cluster
	paths render.StartPaths
}

func newStartScriptRun(t *testing.T, c *redistest.Cluster) *startScriptRun {
	dir := t.TempDir()
	r := &startScriptRun{t: t, c: c, paths: render.StartPaths{
		BootstrapConf: filepath.Join(dir, "bootstrap.conf"),
		Conf:          filepath.Join(dir, "live.conf"),
		PasswordFile:  filepath.Join(dir, "password"),
		Exec:          `cat "$conf"`,
	}}
	if err := os.WriteFile(r.paths.PasswordFile, []byte(c.Spec.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// replicaOf runs the script as node i and returns the replicaof target it
// chose ("" for master).
func (r *startScriptRun) replicaOf(i int) string {
	r.t.Helper()
	_, target := r.runAs(i)
	return target
}

// runAs runs the script as node i and returns the live config it wrote and
// the replicaof target in it.
func (r *startScriptRun) runAs(i int) (string, string) {
	r.t.Helper()
	if err := os.WriteFile(r.paths.BootstrapConf, []byte(render.RedisConf(r.c.Spec, r.c.Layout, i)), 0o600); err != nil {
		r.t.Fatal(err)
	}
	out, err := exec.Command("sh", "-c", render.StartScript(r.c.Spec, r.c.Layout, i, r.paths)).CombinedOutput()
	if err != nil {
		r.t.Fatalf("start script: %v\n%s", err, out)
	}
	var target string
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "replicaof "); ok {
			target = rest
		}
	}
	return string(out), target
}

func hostPort(e cluster.Endpoint) string { return strings.Replace(e.String(), ":", " ", 1) }

func TestStartScript_RoleSources(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	run := newStartScriptRun(t, c)
	node0 := hostPort(c.Layout.Nodes[0])

	t.Run("sentinels name the master", func(t *testing.T) {
		if got := run.replicaOf(1); got != node0 {
			t.Fatalf("node 1 follows %q, want %q", got, node0)
		}
		if got := run.replicaOf(0); got != "" {
			t.Fatalf("node 0 is the master but follows %q", got)
		}
	})

	t.Run("after a failover the old master follows the new one", func(t *testing.T) {
		newMaster := failover(t, c)
		if got := run.replicaOf(0); got != newMaster {
			t.Fatalf("old master follows %q, want the new master %q", got, newMaster)
		}
	})

	for i := range c.Spec.Sentinels {
		c.KillSentinel(i)
	}
	t.Run("no sentinel answers: the persisted role is kept", func(t *testing.T) {
		persisted := "127.0.0.1 1234"
		if err := os.WriteFile(run.paths.Conf, []byte("port 1\nreplicaof "+persisted+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := run.replicaOf(0); got != persisted {
			t.Fatalf("follows %q, want the persisted %q", got, persisted)
		}
		if err := os.WriteFile(run.paths.Conf, []byte("port 1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := run.replicaOf(1); got != "" {
			t.Fatalf("a node persisted as master follows %q", got)
		}
	})

	t.Run("live settings survive a restart", func(t *testing.T) {
		if err := os.WriteFile(run.paths.Conf, []byte("port 1\nmin-replicas-to-write 1\nmin-replicas-max-lag 2\nmaxmemory 5mb\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		conf, _ := run.runAs(1)
		if !strings.Contains(conf, "\nmin-replicas-to-write 1\n") || !strings.Contains(conf, "\nmin-replicas-max-lag 2\n") {
			t.Fatalf("live settings dropped:\n%s", conf)
		}
		if strings.Contains(conf, "maxmemory") {
			t.Fatalf("a setting not managed live was carried over:\n%s", conf)
		}
	})

	t.Run("nothing known: the bootstrap role", func(t *testing.T) {
		if err := os.Remove(run.paths.Conf); err != nil {
			t.Fatal(err)
		}
		if got := run.replicaOf(1); got != node0 {
			t.Fatalf("node 1 follows %q, want the initial master %q", got, node0)
		}
		if err := os.Remove(run.paths.Conf); err != nil {
			t.Fatal(err)
		}
		if got := run.replicaOf(0); got != "" {
			t.Fatalf("node 0 bootstraps as replica of %q", got)
		}
	})
}

// failover forces a planned failover and waits until a sentinel names a new
// master; it returns that master as "host port".
func failover(t *testing.T, c *redistest.Cluster) string {
	t.Helper()
	ctx := context.Background()
	s := redis.NewSentinelClient(&redis.Options{Addr: c.Layout.Sentinels[0].String(), Password: c.Spec.Password})
	defer s.Close()
	if err := s.Failover(ctx, c.Spec.MasterName).Err(); err != nil {
		t.Fatalf("sentinel failover: %v", err)
	}
	old := c.Layout.Nodes[0].String()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		addr, err := s.GetMasterAddrByName(ctx, c.Spec.MasterName).Result()
		if err == nil && addr[0]+":"+addr[1] != old {
			newMaster := addr[0] + " " + addr[1]
			// Wait until every sentinel agrees, so callers see a settled cluster.
			testenv.WaitFor(t, 10*time.Second, "all sentinels name "+newMaster, func() (string, bool) {
				for _, e := range c.Layout.Sentinels {
					sc := redis.NewSentinelClient(&redis.Options{Addr: e.String(), Password: c.Spec.Password})
					got, err := sc.GetMasterAddrByName(ctx, c.Spec.MasterName).Result()
					sc.Close()
					if err != nil || got[0]+" "+got[1] != newMaster {
						return fmt.Sprint(got, err), false
					}
				}
				return "", true
			})
			return newMaster
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no new master within 15s of SENTINEL FAILOVER")
	return ""
}

// monitorLine runs sentinel i's start script with paths in dir and returns the
// `sentinel monitor` line of the config it produced.
func monitorLine(t *testing.T, c *redistest.Cluster, i int, dir string) string {
	t.Helper()
	paths := render.StartPaths{
		BootstrapConf: filepath.Join(dir, "bootstrap.conf"),
		Conf:          filepath.Join(dir, "sentinel.conf"),
		PasswordFile:  filepath.Join(dir, "password"),
		Exec:          `cat "$conf"`,
	}
	_ = os.WriteFile(paths.BootstrapConf, []byte(render.SentinelConf(c.Spec, c.Layout, i)), 0o600)
	_ = os.WriteFile(paths.PasswordFile, []byte(c.Spec.Password), 0o600)
	out, err := exec.Command("sh", "-c", render.SentinelStartScript(c.Spec, c.Layout, i, paths)).CombinedOutput()
	if err != nil {
		t.Fatalf("sentinel start script: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "sentinel monitor ") {
			return line
		}
	}
	t.Fatalf("no monitor line in:\n%s", out)
	return ""
}

func TestSentinelStartScript_MonitorsTheCurrentMaster(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	newMaster := failover(t, c)
	want := "sentinel monitor " + c.Spec.MasterName + " " + newMaster + " 2"

	t.Run("peers name the master", func(t *testing.T) {
		if got := monitorLine(t, c, 0, t.TempDir()); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	t.Run("a restarted sentinel keeps its own config", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "sentinel.conf"), []byte("sentinel monitor mymaster 10.0.0.9 1 2\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := monitorLine(t, c, 0, dir); got != "sentinel monitor mymaster 10.0.0.9 1 2" {
			t.Fatalf("existing config rewritten: %q", got)
		}
	})
	for i := range c.Spec.Sentinels {
		c.KillSentinel(i)
	}
	t.Run("no peer answers: the node that reports master", func(t *testing.T) {
		if got := monitorLine(t, c, 0, t.TempDir()); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
	for i := range c.Spec.DataNodeCount() {
		c.KillNode(i)
	}
	t.Run("nobody answers: the bootstrap master", func(t *testing.T) {
		boot := "sentinel monitor " + c.Spec.MasterName + " " + hostPort(c.Layout.Nodes[0]) + " 2"
		if got := monitorLine(t, c, 0, t.TempDir()); got != boot {
			t.Fatalf("got %q, want %q", got, boot)
		}
	})
}
