package render_test

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

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/internal/testpki"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestCredentialsScript_RotatesLive rotates a running cluster's password in
// two phases with the rendered script (real redis-server and redis-sentinel
// processes, with ACL and without): no process restarts, both passwords work
// for every user in between, only the new one after, replication re-links
// with the new one, and the sentinels still fail over.
//
// "published by the platform" is Kubernetes' variant: the job publishes
// nothing (the Secret the pods mount is updated before it runs).
func TestCredentialsScript_RotatesLive(t *testing.T) {
	for _, tt := range []struct {
		name       string
		acl, local bool // local: the job publishes the files to Live itself
	}{{"default-user", false, true}, {"acl", true, true}, {"acl, published by the platform", true, false}} {
		acl, local := tt.acl, tt.local
		t.Run(tt.name, func(t *testing.T) {
			c := redistest.Start(t, redistest.Options{ACL: acl})
			ctx := context.Background()
			old := c.Spec
			pids := processIDs(t, c, old)

			// A new password without previousPassword cannot log in: the job
			// fails and says what to set, and changes nothing.
			unknown := old
			unknown.Password = "unknown-" + old.Password
			if out, err := credentialsScript(t, unknown, c.Layout, local); err == nil || !strings.Contains(out, "set previousPassword to the password it runs with") {
				t.Errorf("a password the processes do not know: %v\n%s", err, out)
			}

			both := old
			both.Password, both.PreviousPassword = "rotated-"+old.Password, old.Password
			runCredentialsScript(t, both, c.Layout, local)
			for _, u := range both.Users(cluster.RoleData) {
				for _, spec := range []cluster.Spec{old, both} {
					expectAuth(t, c.Layout.Nodes[0].String(), u, spec.UserPassword(u), nil)
				}
			}
			for _, u := range both.Users(cluster.RoleSentinel) {
				expectAuth(t, c.Layout.Sentinels[0].String(), u, old.UserPassword(u), nil)
			}

			rotated := both
			rotated.PreviousPassword = ""
			runCredentialsScript(t, rotated, c.Layout, local)
			for _, addr := range append(c.Layout.SentinelAddrs(), c.Layout.Nodes[1].String()) {
				expectAuth(t, addr, rotated.AdminUser(), old.Password, errWrongPass)
				expectAuth(t, addr, rotated.AdminUser(), rotated.Password, nil)
			}
			c.Spec = rotated // the tooling's view from here on
			if got := processIDs(t, c, rotated); !equalStrings(got, pids) {
				t.Errorf("processes restarted: ids %v, then %v", pids, got)
			}

			// Every link re-authenticates with the new credentials only: the
			// replicas' (masterauth) and the sentinels' (auth-pass), then the
			// cluster must be fully healthy again.
			for _, addr := range nodeAddrs(c) {
				node := redis.NewClient(&redis.Options{Addr: addr, Username: string(rotated.AdminUser()), Password: rotated.Password})
				for _, typ := range []string{"replica", "pubsub", "normal"} {
					if err := node.Do(ctx, "CLIENT", "KILL", "TYPE", typ, "SKIPME", "yes").Err(); err != nil {
						t.Fatalf("%s: kill %s links: %v", addr, typ, err)
					}
				}
				_ = node.Close()
			}
			checker, err := verify.NewChecker(c.Target())
			if err != nil {
				t.Fatal(err)
			}
			defer checker.Close()
			waitFor(t, 20*time.Second, "healthy after every link re-authenticated", func() (bool, string) {
				r := checker.Check(ctx)
				return r.Passed(), fmt.Sprint(r.Failed())
			})
			c.KillNode(0) // and the sentinels must fail over with their new auth-pass
			deadline := time.Now().Add(30 * time.Second)
			for {
				r := checker.Check(ctx)
				addr, _ := redis.NewSentinelClient(&redis.Options{Addr: c.Layout.Sentinels[0].String(), Username: string(rotated.AdminUser()), Password: rotated.Password}).
					GetMasterAddrByName(ctx, rotated.MasterName).Result()
				if len(addr) == 2 && addr[1] != strconv.Itoa(c.Layout.Nodes[0].Port) && len(r.Failed()) <= 1 {
					break // a new master; node 0 is down, which is the one allowed failure
				}
				if time.Now().After(deadline) {
					t.Fatalf("no failover after the rotation: master %v, failed checks %v", addr, r.Failed())
				}
				time.Sleep(200 * time.Millisecond)
			}
		})
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, done func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := done()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not %s after %s: %s", what, timeout, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var errWrongPass = errors.New("WRONGPASS")

func runCredentialsScript(t *testing.T, s cluster.Spec, l cluster.Layout, published bool) {
	t.Helper()
	out, err := credentialsScript(t, s, l, published)
	if err != nil {
		t.Fatalf("credentials script: %v\n%s", err, out)
	}
}

// credentialsScript runs the script for s with its files in a fresh
// directory and checks what it published: everything, or nothing when the
// platform publishes (no Live directory).
func credentialsScript(t *testing.T, s cluster.Spec, l cluster.Layout, published bool) (string, error) {
	t.Helper()
	dir := t.TempDir()
	paths := render.CredentialsPaths{Next: filepath.Join(dir, "next"), Live: filepath.Join(dir, "live")}
	if !published {
		paths.Live = ""
	}
	for _, d := range []string{paths.Next, filepath.Join(dir, "live")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range render.CredentialFiles(s, render.TLSFiles{}) {
		if err := os.WriteFile(filepath.Join(paths.Next, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("sh", "-c", render.CredentialsScript(s, l, paths)).CombinedOutput()
	if err != nil {
		return string(out), err
	}
	if strings.Contains(string(out), s.Password) {
		t.Errorf("the script printed the password:\n%s", out)
	}
	live, err := os.ReadFile(filepath.Join(dir, "live", render.CredentialNodeAuth))
	switch {
	case !published && err == nil:
		t.Error("the job published files although the platform does")
	case published && (err != nil || string(live) != render.RedisAuthConf(s)):
		t.Errorf("published node auth = %q, %v; want RedisAuthConf", live, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "live", render.CredentialPrevious)); err == nil {
		t.Error("the previous password was published to the processes' files")
	}
	return string(out), nil
}

// A process whose name does not resolve yet (a Kubernetes pod not created,
// the job running before the StatefulSets) is skipped, not waited for: on a
// new stack the job finds nothing and is done at once.
func TestCredentialsScript_SkipsProcessesThatDoNotExistYet(t *testing.T) {
	s := cluster.SetDefaults(cluster.Spec{Platform: cluster.PlatformKubernetes, Password: "a-Passw0rd-for-tests"}, "kt")
	s.Kubernetes.Namespace = "no-such-namespace"
	l := cluster.KubernetesLayout(s)
	dir := t.TempDir()
	for name, content := range render.PasswordCredentialFiles(s) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	out, err := exec.Command("sh", "-c", render.CredentialsScript(s, l, render.CredentialsPaths{Next: dir})).CombinedOutput()
	if err != nil {
		t.Fatalf("credentials script: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "skip "); n != len(l.Nodes)+len(l.Sentinels) {
		t.Errorf("%d processes skipped, want every one:\n%s", n, out)
	}
	t.Logf("a new stack's job is done in %s", time.Since(start).Round(time.Millisecond))
}

// expectAuth connects as u with password: want nil for success, or an error
// whose text the reply must contain.
func expectAuth(t *testing.T, addr string, u cluster.User, password string, want error) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Username: string(u), Password: password, MaxRetries: -1})
	defer c.Close()
	err := c.Ping(context.Background()).Err()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s as %s: %v", addr, u, err)
	case want != nil && (err == nil || !strings.Contains(err.Error(), want.Error())):
		t.Errorf("%s as %s: got %v, want %v", addr, u, err, want)
	}
}

// processIDs are every process's run_id: a restart changes it.
func processIDs(t *testing.T, c *redistest.Cluster, s cluster.Spec) []string {
	t.Helper()
	var ids []string
	for _, addr := range append(c.Layout.SentinelAddrs(), nodeAddrs(c)...) {
		cl := redis.NewClient(&redis.Options{Addr: addr, Username: string(s.AdminUser()), Password: s.Password})
		info, err := cl.Info(context.Background(), "server").Result()
		_ = cl.Close()
		if err != nil {
			t.Fatalf("INFO of %s: %v", addr, err)
		}
		ids = append(ids, verify.ParseInfo(info)["run_id"])
	}
	return ids
}

func nodeAddrs(c *redistest.Cluster) []string {
	var out []string
	for _, n := range c.Layout.Nodes {
		out = append(out, n.String())
	}
	return out
}

func equalStrings(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// The Kubernetes healthcheck stays healthy when its mounted password is
// behind a live rotation (WRONGPASS), which the strict one does not, and
// both fail a process that does not answer.
func TestMountedCredentialsHealthcheck_ToleratesAStalePassword(t *testing.T) {
	c := redistest.Start(t, redistest.Options{ACL: true})
	node := c.Layout.Nodes[0]
	run := func(script, password string, port int) (string, error) {
		file := filepath.Join(t.TempDir(), "password")
		if err := os.WriteFile(file, []byte(password), 0o600); err != nil {
			t.Fatal(err)
		}
		script = strings.ReplaceAll(script, cluster.PasswordFilePath, file)
		script = strings.ReplaceAll(script, fmt.Sprintf("-p %d ", c.Spec.Ports.Redis), fmt.Sprintf("-h %s -p %d ", node.Host, port))
		out, err := exec.Command("sh", "-c", script).CombinedOutput()
		return string(out), err
	}
	for _, tt := range []struct {
		name     string
		password string
		port     int
		mounted  bool // want the mounted-credentials script healthy
		strict   bool // want HealthcheckScript healthy
	}{
		{"current password", c.Spec.Password, node.Port, true, true},
		{"a password rotated away", "stale-" + c.Spec.Password, node.Port, true, false},
		{"nothing listening", c.Spec.Password, 1, false, false},
	} {
		for script, want := range map[string]bool{
			render.MountedCredentialsHealthcheckScript(c.Spec, c.Spec.Ports.Redis): tt.mounted,
			render.HealthcheckScript(c.Spec, c.Spec.Ports.Redis):                   tt.strict,
		} {
			if out, err := run(script, tt.password, tt.port); (err == nil) != want {
				t.Errorf("%s: healthy %v, want %v (%s)\n%s", tt.name, err == nil, want, out, script)
			}
		}
	}
}

// A bundle that no longer trusts the certificates in service (a CA swapped
// without an overlap) fails the job at once, before it changes anything; on
// Kubernetes that is before any pod rolls onto the new bundle.
func TestCredentialsScript_RefusesABundleThatDropsTheCAInService(t *testing.T) {
	c := redistest.Start(t, redistest.Options{TLS: true})
	dir := t.TempDir()
	files := render.PasswordCredentialFiles(c.Spec)
	files[render.CredentialTLSCACert] = testpki.NewCA(t, "a new CA").PEM
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	out, err := exec.Command("sh", "-c", render.CredentialsScript(c.Spec, c.Layout, render.CredentialsPaths{Next: dir})).CombinedOutput()
	took := time.Since(start)
	if err == nil || !strings.Contains(string(out), "does not trust") || strings.Contains(string(out), "1/4 accept: every user also accepts the current password\nok") {
		t.Fatalf("a bundle without the CA in service: %v\n%s", err, out)
	}
	if took > 10*time.Second {
		t.Errorf("refused after %s: it should not wait for its deadline", took.Round(time.Millisecond))
	}
}
