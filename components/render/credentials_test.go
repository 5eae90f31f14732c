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
	"github.com/platform-team/redis-sentinel/verify"
)

// TestCredentialsScript_RotatesLive rotates a running cluster's password in
// two phases with the rendered script (real redis-server and redis-sentinel
// processes, with ACL and without): no process restarts, both passwords work
// for every user in between, only the new one after, replication re-links
// with the new one, and the sentinels still fail over.
func TestCredentialsScript_RotatesLive(t *testing.T) {
	for _, acl := range []bool{false, true} {
		t.Run(map[bool]string{false: "default-user", true: "acl"}[acl], func(t *testing.T) {
			c := redistest.Start(t, redistest.Options{ACL: acl})
			ctx := context.Background()
			old := c.Spec
			pids := processIDs(t, c, old)

			// A new password without previousPassword cannot log in: the job
			// fails and says what to set, and changes nothing.
			unknown := old
			unknown.Password = "unknown-" + old.Password
			if out, err := credentialsScript(t, unknown, c.Layout); err == nil || !strings.Contains(out, "set previousPassword to the password it runs with") {
				t.Errorf("a password the processes do not know: %v\n%s", err, out)
			}

			both := old
			both.Password, both.PreviousPassword = "rotated-"+old.Password, old.Password
			runCredentialsScript(t, both, c.Layout)
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
			runCredentialsScript(t, rotated, c.Layout)
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

func runCredentialsScript(t *testing.T, s cluster.Spec, l cluster.Layout) {
	t.Helper()
	out, err := credentialsScript(t, s, l)
	if err != nil {
		t.Fatalf("credentials script: %v\n%s", err, out)
	}
}

// credentialsScript runs the script for s with its files in a fresh
// directory and checks what it published.
func credentialsScript(t *testing.T, s cluster.Spec, l cluster.Layout) (string, error) {
	t.Helper()
	dir := t.TempDir()
	paths := render.CredentialsPaths{Next: filepath.Join(dir, "next"), Live: filepath.Join(dir, "live")}
	for _, d := range []string{paths.Next, paths.Live} {
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
	published, err := os.ReadFile(filepath.Join(paths.Live, render.CredentialNodeAuth))
	if err != nil || string(published) != render.RedisAuthConf(s) {
		t.Errorf("published node auth = %q, %v; want RedisAuthConf", published, err)
	}
	if _, err := os.Stat(filepath.Join(paths.Live, render.CredentialPrevious)); err == nil {
		t.Error("the previous password was published to the processes' files")
	}
	return string(out), nil
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
