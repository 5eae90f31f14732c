package verify_test

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/verify"
)

func TestMain(m *testing.M) {
	redislog.Install()
	os.Exit(m.Run())
}

func check(t *testing.T, target verify.Target) verify.Report {
	t.Helper()
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := checker.Check(ctx)
	t.Logf("%s in %s", r, r.Elapsed)
	return r
}

func result(t *testing.T, r verify.Report, name string) verify.Result {
	t.Helper()
	for _, res := range r.Results {
		if res.Name == name {
			return res
		}
	}
	t.Fatalf("report has no %s check: %+v", name, r.Results)
	return verify.Result{}
}

func requireFailed(t *testing.T, r verify.Report, name, evidence string) {
	t.Helper()
	res := result(t, r, name)
	if res.OK || !strings.Contains(res.Evidence, evidence) {
		t.Fatalf("%s: ok=%v evidence %q, want a failure mentioning %q", name, res.OK, res.Evidence, evidence)
	}
	if r.Passed() {
		t.Fatal("report passed despite a failed check")
	}
}

// One native cluster serves the read-only cases; destructive cases get their own.
func TestCheck_NativeCluster(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	target := c.Target()

	t.Run("healthy cluster passes every check", func(t *testing.T) {
		r := check(t, target)
		if !r.Passed() {
			t.Fatalf("failed: %+v", r.Failed())
		}
		if r.Master != c.Layout.Nodes[cluster.InitialMaster].String() || r.SentinelsAnswered != 3 {
			t.Fatalf("master %s, %d sentinels answered", r.Master, r.SentinelsAnswered)
		}
		if len(r.Results) != 10 {
			t.Fatalf("%d checks ran, want 10", len(r.Results))
		}
	})
	t.Run("wrong password is a connection-level failure", func(t *testing.T) {
		bad := target
		bad.Password = "not-the-password-at-all"
		r := check(t, bad)
		requireFailed(t, r, verify.CheckSentinelsReachable, "WRONGPASS")
		if r.SentinelsAnswered != 0 {
			t.Fatalf("%d sentinels answered with a wrong password", r.SentinelsAnswered)
		}
	})
	t.Run("timers different from the stack are reported", func(t *testing.T) {
		wrong := *target.Expect.Timers
		wrong.DownAfterMilliseconds = 30000
		mismatched := target
		mismatched.Expect.Timers = &wrong
		requireFailed(t, check(t, mismatched), verify.CheckTimers, "down-after-milliseconds=1000, want 30000")
	})
	t.Run("missing replicas are reported", func(t *testing.T) {
		more := target
		more.Expect.Replicas = 3
		requireFailed(t, check(t, more), verify.CheckReplication, "2 replicas connected, want 3")
	})
	t.Run("unreachable sentinel address gives a verdict, not a hang", func(t *testing.T) {
		closed := target
		closed.Sentinels = append([]string{"127.0.0.1:1"}, target.Sentinels...)
		r := check(t, closed)
		requireFailed(t, r, verify.CheckSentinelsReachable, "127.0.0.1:1")
	})
	t.Run("hung sentinel costs one timeout", func(t *testing.T) {
		hung := hungListener(t)
		withHung := target
		withHung.Sentinels = append([]string{hung}, target.Sentinels...)
		withHung.Timeout = 300 * time.Millisecond
		r := check(t, withHung)
		requireFailed(t, r, verify.CheckSentinelsReachable, hung)
		if r.Elapsed > 3*time.Second {
			t.Fatalf("a hung sentinel made the check take %s", r.Elapsed)
		}
	})
}

func TestCheck_SentinelDown(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	c.KillSentinel(2)
	r := check(t, c.Target())
	requireFailed(t, r, verify.CheckSentinelsReachable, "1/3 sentinels failed")
	if res := result(t, r, verify.CheckRoundTrip); !res.OK {
		t.Fatalf("round trip should still work with 2 sentinels: %s", res.Evidence)
	}
}

func TestCheck_TwoMastersIsSplitBrain(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	rogue := c.Layout.Nodes[2].String()
	client := redis.NewClient(&redis.Options{Addr: rogue, Password: c.Spec.Password})
	defer client.Close()
	if err := client.ReplicaOf(context.Background(), "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	requireFailed(t, check(t, c.Target()), verify.CheckSingleMaster, rogue)
}

// hungListener accepts TCP connections and never answers.
func hungListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
