package render_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestACL_ForgedHelloIsRefused: Sentinel takes a hello with a higher config
// epoch, published on a data node's __sentinel__:hello channel, as the new
// truth. The app user (valid credentials, the env contract's) must not be
// able to publish one, nor to read the sentinels' hellos, on any data node;
// its own channels keep working; every sentinel keeps the real master.
func TestACL_ForgedHelloIsRefused(t *testing.T) {
	c := redistest.Start(t, redistest.Options{ACL: true})
	ctx := context.Background()
	master := c.Layout.Nodes[0]
	replica := c.Layout.Nodes[1]
	hello := fmt.Sprintf("10.9.9.9,26379,%s,999999,%s,%s,%d,999999", strings.Repeat("f", 40), c.Spec.MasterName, replica.Host, replica.Port)
	app := func(addr string) *redis.Client {
		return redis.NewClient(&redis.Options{Addr: addr, Username: string(cluster.UserApp), Password: c.Spec.UserPassword(cluster.UserApp), DisableIdentity: true})
	}
	for _, n := range c.Layout.Nodes {
		cl := app(n.String())
		err := cl.Publish(ctx, "__sentinel__:hello", hello).Err()
		if err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("app user PUBLISH __sentinel__:hello on %s: %v, want NOPERM", n, err)
		}
		sub := cl.Subscribe(ctx, "__sentinel__:hello")
		if _, err := sub.Receive(ctx); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("app user SUBSCRIBE __sentinel__:hello on %s: %v, want NOPERM", n, err)
		}
		_ = sub.Close()
		cl.Close()
	}
	// Sentinels process a hello PUBLISHed to them as well.
	for _, s := range c.Layout.Sentinels {
		cl := app(s.String())
		if err := cl.Publish(ctx, "__sentinel__:hello", hello).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("app user PUBLISH __sentinel__:hello on sentinel %s: %v, want NOPERM", s, err)
		}
		cl.Close()
	}
	// Its own channels, and keyspace notifications, stay open.
	own := app(master.String())
	defer own.Close()
	for _, channel := range []string{"orders", "app:events", "__keyspace@0__:orders", "_private", "__sentinel", "__sentinel__"} {
		if err := own.Publish(ctx, channel, "m").Err(); err != nil {
			t.Errorf("app user PUBLISH %s: %v, want allowed", channel, err)
		}
	}
	time.Sleep(2 * time.Second) // hellos are processed as they arrive; give them time
	for _, s := range c.Layout.Sentinels {
		sc := redis.NewSentinelClient(c.Target().ClientOptions(s.String()))
		got, err := sc.GetMasterAddrByName(ctx, c.Spec.MasterName).Result()
		sc.Close()
		if err != nil || net.JoinHostPort(got[0], got[1]) != master.String() {
			t.Errorf("sentinel %s names %v (%v) after the forged hello, want %s", s, got, err, master)
		}
	}
	checker, err := verify.NewChecker(c.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	if r := checker.Check(ctx); !r.Passed() {
		t.Errorf("cluster unhealthy after the forged hello: %v", r.Failed())
	}
}
