package render_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestACL_LeastPrivilege runs a cluster with ACL on (real redis-server and
// redis-sentinel processes, started by the rendered scripts and configs): the
// tooling works as admin, sentinels fail over with only their documented
// commands, the app user reaches data and the read-only introspection clients
// send but no admin command, discovers through Sentinel with any library's
// command but changes nothing there, and nobody gets in without credentials,
// on any port.
func TestACL_LeastPrivilege(t *testing.T) {
	c := redistest.Start(t, redistest.Options{ACL: true}) // waits until the verifier's checks pass as admin
	ctx := context.Background()
	appPassword := c.Spec.UserPassword(cluster.UserApp)
	if appPassword == c.Spec.Password {
		t.Fatal("the app user's password equals the admin password")
	}

	app := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: c.Spec.MasterName, SentinelAddrs: c.Layout.SentinelAddrs(),
		Username: string(cluster.UserApp), Password: appPassword,
		SentinelUsername: string(cluster.UserApp), SentinelPassword: appPassword,
	})
	defer app.Close()
	if err := app.Set(ctx, "acl:key", "v", 0).Err(); err != nil {
		t.Fatalf("app user SET through Sentinel: %v", err)
	}
	denied := [][]any{
		{"CONFIG", "SET", "appendonly", "no"}, {"CONFIG", "GET", "requirepass"}, {"FLUSHALL"},
		{"SHUTDOWN", "NOSAVE"}, {"DEBUG", "SLEEP", "0"}, {"REPLICAOF", "NO", "ONE"}, {"ACL", "LIST"},
		{"KEYS", "*"}, {"CLIENT", "KILL", "TYPE", "normal"}, {"MONITOR"},
		// Lua is off without appScripting.
		{"EVAL", "return 1", "0"}, {"SCRIPT", "LOAD", "return 1"}, {"FUNCTION", "FLUSH"}, {"FCALL", "f", "0"},
	}
	for _, cmd := range denied {
		// DEBUG is refused before ACL runs (enable-debug-command no); any refusal counts.
		if err := app.Do(ctx, cmd...).Err(); err == nil || !(strings.Contains(err.Error(), "NOPERM") || strings.Contains(err.Error(), "not allowed")) {
			t.Errorf("app user %v: %v, want NOPERM", cmd, err)
		}
	}
	// The read-only introspection client libraries send on connect and in health checks.
	for _, cmd := range [][]any{{"INFO", "replication"}, {"ROLE"}, {"PING"}, {"CLIENT", "SETNAME", "app"}} {
		if err := app.Do(ctx, cmd...).Err(); err != nil {
			t.Errorf("app user %v: %v, want allowed", cmd, err)
		}
	}
	sentinel := redis.NewClient(&redis.Options{Addr: c.Layout.Sentinels[0].String(), Username: string(cluster.UserApp), Password: appPassword, DisableIdentity: true})
	defer sentinel.Close()
	// Discovery, whichever command a library uses, and following switches.
	name := c.Spec.MasterName
	for _, cmd := range [][]any{
		{"SENTINEL", "MASTERS"}, {"SENTINEL", "MASTER", name}, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", name},
		{"SENTINEL", "SENTINELS", name}, {"SENTINEL", "REPLICAS", name}, {"SENTINEL", "SLAVES", name},
		{"ROLE"}, {"INFO"}, {"PING"}, {"HELLO", "2"}, {"CLIENT", "SETNAME", "app"}, {"CLIENT", "ID"},
	} {
		if err := sentinel.Do(ctx, cmd...).Err(); err != nil {
			t.Errorf("app user on a sentinel %v: %v, want allowed", cmd, err)
		}
	}
	// Nothing that changes Sentinel.
	for _, cmd := range [][]any{
		{"SENTINEL", "FAILOVER", name}, {"SENTINEL", "SET", name, "quorum", "1"}, {"SENTINEL", "RESET", "*"},
		{"SENTINEL", "MONITOR", "other", "127.0.0.1", "1", "2"}, {"SENTINEL", "REMOVE", name},
		{"SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"}, {"SENTINEL", "FLUSHCONFIG"},
		{"SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*"}, {"SENTINEL", "SIMULATE-FAILURE", "crash-after-election"},
		{"SENTINEL", "DEBUG"}, {"CLIENT", "KILL", "TYPE", "normal"}, {"CLIENT", "LIST"}, {"ACL", "LIST"}, {"SHUTDOWN"},
	} {
		if err := sentinel.Do(ctx, cmd...).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("app user on a sentinel %v: %v, want NOPERM", cmd, err)
		}
	}

	// No credentials, or the disabled default user with the admin password: refused everywhere.
	for _, e := range append(append([]cluster.Endpoint{}, c.Layout.Nodes...), c.Layout.Sentinels...) {
		anon := redis.NewClient(&redis.Options{Addr: e.String(), MaxRetries: -1, DisableIdentity: true})
		if err := anon.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
			t.Errorf("%s: unauthenticated PING = %v, want NOAUTH", e, err)
		}
		anon.Close()
		def := redis.NewClient(&redis.Options{Addr: e.String(), Password: c.Spec.Password, MaxRetries: -1})
		if err := def.Ping(ctx).Err(); err == nil {
			t.Errorf("%s: the default user authenticated; it must be disabled", e)
		}
		def.Close()
	}

	// Sentinel's own user is enough to fail over: a switchover under a writer loses nothing.
	requireLosslessSwitchover(t, c, "with ACL")
}

// requireLosslessSwitchover runs the switchover drill on c and fails the test
// unless every acknowledged write survives it.
func requireLosslessSwitchover(t *testing.T, c *redistest.Cluster, profile string) {
	t.Helper()
	checker, err := verify.NewChecker(c.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	res, err := checker.Drill(context.Background(), verify.DrillSwitchover, verify.DrillOptions{Deadline: 30 * time.Second})
	if err != nil {
		t.Fatalf("switchover %s: %v", profile, err)
	}
	if res.WritesLost != 0 {
		t.Errorf("switchover %s lost %d acknowledged writes", profile, res.WritesLost)
	}
	t.Logf("switchover %s: write gap %s, %d acked, 0 lost", profile, res.WriteGap.Round(time.Millisecond), res.WritesAcked)
}

// The monitor's user passes every check and reads every process's INFO, but
// writes only its own keys and touches neither the app's data nor Sentinel.
func TestACL_MonitorUser(t *testing.T) {
	c := redistest.Start(t, redistest.Options{ACL: true})
	ctx := context.Background()
	target := c.Target()
	target.Username, target.Password = string(cluster.UserMonitor), c.Spec.UserPassword(cluster.UserMonitor)
	target.KeyPrefix = cluster.MonitorKeyPrefix
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	if report := checker.Check(ctx); !report.Passed() {
		t.Fatalf("checks as the monitor user: %+v", report.Failed())
	}
	node := redis.NewClient(&redis.Options{Addr: c.Layout.Nodes[0].String(), Username: target.Username, Password: target.Password, MaxRetries: -1})
	defer node.Close()
	if err := node.Info(ctx).Err(); err != nil {
		t.Errorf("monitor INFO on a node: %v", err)
	}
	for _, cmd := range [][]any{
		{"SET", "app:key", "v"}, {"GET", "app:key"}, {"DEL", cluster.MonitorKeyPrefix + "x"}, {"CONFIG", "GET", "maxmemory"},
		{"FLUSHALL"}, {"KEYS", "*"}, {"SUBSCRIBE", "x"}, {"CLIENT", "LIST"},
	} {
		if err := node.Do(ctx, cmd...).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("monitor user on a node %v: %v, want NOPERM", cmd, err)
		}
	}
	sentinel := redis.NewClient(&redis.Options{Addr: c.Layout.Sentinels[0].String(), Username: target.Username, Password: target.Password, MaxRetries: -1})
	defer sentinel.Close()
	for _, cmd := range [][]any{{"SENTINEL", "FAILOVER", c.Spec.MasterName}, {"SENTINEL", "SET", c.Spec.MasterName, "quorum", "1"}, {"SENTINEL", "RESET", "*"}} {
		if err := sentinel.Do(ctx, cmd...).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("monitor user on a sentinel %v: %v, want NOPERM", cmd, err)
		}
	}
}

// TestACL_AppScriptingAllowsLua: with appScripting the app user may run Lua.
func TestACL_AppScriptingAllowsLua(t *testing.T) {
	c := redistest.Start(t, redistest.Options{ACL: true, AppScripting: true})
	ctx := context.Background()
	app := redis.NewClient(&redis.Options{Addr: c.Layout.Nodes[0].String(), Username: string(cluster.UserApp),
		Password: c.Spec.UserPassword(cluster.UserApp), DisableIdentity: true})
	defer app.Close()
	if got, err := app.Eval(ctx, "return 7", nil).Int(); err != nil || got != 7 {
		t.Errorf("app user EVAL with appScripting: %d, %v", got, err)
	}
	if err := app.Do(ctx, "CONFIG", "GET", "appendonly").Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Errorf("app user CONFIG GET with appScripting: %v, want NOPERM still", err)
	}
}
