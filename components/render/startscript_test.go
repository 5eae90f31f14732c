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
		DataDir:       dir,
		PasswordFile:  filepath.Join(dir, "password"),
		AuthConf:      filepath.Join(dir, "auth.conf"),
		Exec:          `cat "$conf"`,
	}}
	if err := os.WriteFile(r.paths.PasswordFile, []byte(c.Spec.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.paths.AuthConf, []byte(render.RedisAuthConf(c.Spec)), 0o600); err != nil {
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

// TestStartScript_RoleSources: where a node's role comes from, with no data
// anywhere (the master guard's cases are TestStartScript_MasterGuard*).
func TestStartScript_RoleSources(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	c.FlushAll()
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

// sentinelTestPaths puts a sentinel start script's files in dir; Exec prints
// the live config instead of starting Sentinel.
func sentinelTestPaths(dir string) render.StartPaths {
	return render.StartPaths{
		BootstrapConf: filepath.Join(dir, "bootstrap.conf"),
		Conf:          filepath.Join(dir, "sentinel.conf"),
		PasswordFile:  filepath.Join(dir, "password"),
		AuthConf:      filepath.Join(dir, "auth.conf"),
		Exec:          `cat "$conf"`,
	}
}

// monitorLine runs sentinel i's start script with paths in dir and returns the
// `sentinel monitor` line of the config it produced.
func monitorLine(t *testing.T, c *redistest.Cluster, i int, dir string) string {
	t.Helper()
	paths := sentinelTestPaths(dir)
	_ = os.WriteFile(paths.BootstrapConf, []byte(render.SentinelConf(c.Spec, c.Layout, i)), 0o600)
	_ = os.WriteFile(paths.AuthConf, []byte(render.SentinelAuthConf(c.Spec)), 0o600)
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
	t.Run("a restarted sentinel keeps its own config, newer than its peers'", func(t *testing.T) {
		dir := t.TempDir()
		conf := "sentinel monitor mymaster 10.0.0.9 1 2\nsentinel config-epoch mymaster 999\nsentinel down-after-milliseconds mymaster 1000\n"
		if err := os.WriteFile(filepath.Join(dir, "sentinel.conf"), []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if got := monitorLine(t, c, 0, dir); got != "sentinel monitor mymaster 10.0.0.9 1 2" {
			t.Fatalf("existing config rewritten: %q", got)
		}
		// Its master does not answer: it waits twice its down-after, then starts.
		if took := time.Since(start); took < time.Second || took > 5*time.Second {
			t.Errorf("started after %s, want about 2 s (twice down-after) for a master that does not answer", took)
		}
	})
	t.Run("a restarted sentinel left on a stale master at its peers' epoch takes theirs", func(t *testing.T) {
		dir := t.TempDir()
		stale := "sentinel monitor mymaster " + hostPort(c.Layout.Nodes[0]) + " 2\nsentinel config-epoch mymaster 1\n" +
			"sentinel known-replica mymaster " + newMaster + "\n"
		if err := os.WriteFile(filepath.Join(dir, "sentinel.conf"), []byte(stale), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := monitorLine(t, c, 0, dir); got != want {
			t.Fatalf("got %q, want its peers' %q", got, want)
		}
		if conf, _ := os.ReadFile(filepath.Join(dir, "sentinel.conf")); strings.Contains(string(conf), "known-replica mymaster "+newMaster+"\n") {
			t.Errorf("the new master is still listed as a replica:\n%s", conf)
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

// TestSentinelStartScript_RestartSwapsCredentials: a sentinel restarted on its
// own rewritten config keeps what it learnt but takes the current password, so
// a password change reaches sentinels with persistent volumes.
func TestSentinelStartScript_RestartSwapsCredentials(t *testing.T) {
	s := cluster.SetDefaults(cluster.Spec{Password: "the-new-password-42"}, "restart")
	l, err := cluster.DockerLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	paths := sentinelTestPaths(t.TempDir())
	rewritten := "port 26379\nrequirepass \"old-password\"\nsentinel sentinel-pass old-password\n" +
		"sentinel monitor mymaster 172.28.0.1 16381 2\nsentinel auth-pass mymaster old-password\n" +
		"user default on #0123abcd ~* &* +@all\nsentinel known-replica mymaster 172.28.0.1 16379\n" +
		"sentinel down-after-milliseconds mymaster 500\n" // its master does not answer here: wait 1 s, not 10
	for path, content := range map[string]string{
		paths.Conf: rewritten, paths.AuthConf: render.SentinelAuthConf(s), paths.PasswordFile: s.Password,
		paths.BootstrapConf: render.SentinelConf(s, l, 0),
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("sh", "-c", render.SentinelStartScript(s, l, 0, paths)).CombinedOutput()
	if err != nil {
		t.Fatalf("sentinel start script: %v\n%s", err, out)
	}
	got := string(out)
	if strings.Contains(got, "old-password") || strings.Contains(got, "#0123abcd") {
		t.Errorf("old credentials survive the restart:\n%s", got)
	}
	for _, want := range []string{
		"sentinel monitor mymaster 172.28.0.1 16381 2\n", "sentinel known-replica mymaster 172.28.0.1 16379\n",
		"sentinel auth-pass mymaster \"the-new-password-42\"\n",
		"user default on " + cluster.PasswordHash("the-new-password-42") + " ~* &* +@all\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
}

// runPreStop runs node i's pre-stop script and returns its output.
func runPreStop(t *testing.T, c *redistest.Cluster, i int) string {
	t.Helper()
	dir := t.TempDir()
	paths := render.StartPaths{PasswordFile: filepath.Join(dir, "password")}
	if err := os.WriteFile(paths.PasswordFile, []byte(c.Spec.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sh", "-c", render.PreStopScript(c.Spec, c.Layout, i, paths)).CombinedOutput()
	if err != nil {
		t.Fatalf("pre-stop script: %v\n%s", err, out)
	}
	return string(out)
}

func TestPreStopScript_HandsOverBeforeTheMasterStops(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	old := c.Layout.Nodes[0].String()
	master := redis.NewClient(&redis.Options{Addr: old, Password: c.Spec.Password, ReadTimeout: 300 * time.Millisecond, MaxRetries: -1})
	defer master.Close()
	if err := master.Set(ctx, "before-stop", "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}

	if out := runPreStop(t, c, 1); !strings.Contains(out, "not the master") {
		t.Errorf("replica's pre-stop did something:\n%s", out)
	}
	start := time.Now()
	out := runPreStop(t, c, 0)
	t.Logf("pre-stop took %v:\n%s", time.Since(start).Round(time.Millisecond), out)
	if !strings.Contains(out, "sentinels name the new master") {
		t.Fatalf("master's pre-stop did not hand over:\n%s", out)
	}
	for _, e := range c.Layout.Sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: e.String(), Password: c.Spec.Password})
		got, err := sc.GetMasterAddrByName(ctx, c.Spec.MasterName).Result()
		sc.Close()
		if err != nil || got[0]+":"+got[1] == old {
			t.Errorf("sentinel %s names %v (%v), want a master other than %s", e, got, err, old)
		}
	}
	// The old master acknowledges no write any more: it is paused until it stops.
	if err := master.Set(ctx, "after-stop", "lost?", 0).Err(); err == nil {
		t.Error("the old master acknowledged a write after its pre-stop")
	}
	newMaster := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: c.Spec.MasterName, SentinelAddrs: c.Layout.SentinelAddrs(), Password: c.Spec.Password, SentinelPassword: c.Spec.Password})
	defer newMaster.Close()
	if got, err := newMaster.Get(ctx, "before-stop").Result(); err != nil || got != "kept" {
		t.Errorf("new master has before-stop = %q, %v; want kept", got, err)
	}
}
