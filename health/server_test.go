package health_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/health"
	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/verify"
)

func TestMain(m *testing.M) {
	redislog.Install()
	os.Exit(m.Run())
}

type healthBody struct {
	Redis struct {
		Healthy        bool   `json:"healthy"`
		Master         string `json:"master"`
		ReplicasOnline int    `json:"replicasOnline"`
		Sentinels      int    `json:"sentinels"`
		Quorum         int    `json:"quorum"`
		FailoversSeen  int    `json:"failoversSeen"`
		LastFailover   *struct {
			From, To string
		} `json:"lastFailover"`
		Checks []verify.Result `json:"checks"`
	} `json:"redis"`
}

func serve(t *testing.T, target verify.Target, interval time.Duration) string {
	t.Helper()
	checker, err := verify.NewVerifier(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checker.Close() })
	monitor := health.NewMonitor(checker, target, interval)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := httptest.NewServer(health.Handler(monitor, health.ClusterInfo{}))
	t.Cleanup(srv.Close)
	go monitor.Run(ctx)
	return srv.URL
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func health200(t *testing.T, url string) (int, healthBody) {
	t.Helper()
	code, body := get(t, url+"/health")
	var h healthBody
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/health is not JSON (%v): %s", err, body)
	}
	return code, h
}

// The monitor follows +switch-master: a failover shows long before the next
// scheduled check (the interval here is a minute).
func TestServe_FollowsFailover(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	url := serve(t, c.Target(), time.Minute)
	old := c.Layout.Nodes[0].String()

	testenv.WaitFor(t, 5*time.Second, "first verdict healthy", func() (string, bool) {
		code, h := health200(t, url)
		return h.Redis.Master, code == http.StatusOK && h.Redis.Healthy && h.Redis.Master == old
	})
	_, h := health200(t, url)
	if h.Redis.ReplicasOnline != 2 || h.Redis.Sentinels != 3 || h.Redis.Quorum != 2 || len(h.Redis.Checks) != 10 {
		t.Fatalf("verdict %+v", h.Redis)
	}

	sentinel := redis.NewSentinelClient(&redis.Options{Addr: c.Layout.Sentinels[0].String(), Password: c.Spec.Password})
	defer sentinel.Close()
	if err := sentinel.Failover(context.Background(), c.Spec.MasterName).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testenv.WaitFor(t, 15*time.Second, "/health shows the new master", func() (string, bool) {
		_, h := health200(t, url)
		return h.Redis.Master, h.Redis.Master != "" && h.Redis.Master != old && h.Redis.LastFailover != nil
	})
	t.Logf("failover visible on /health %s after SENTINEL FAILOVER", time.Since(start).Round(time.Millisecond))
	_, h = health200(t, url)
	if h.Redis.FailoversSeen != 1 || h.Redis.LastFailover.From != old || h.Redis.LastFailover.To != h.Redis.Master {
		t.Fatalf("failover record %+v", h.Redis)
	}
	wants := []string{
		"redis_sentinel_failovers_seen_total 1",
		`redis_sentinel_master{address="` + h.Redis.Master + `"} 1`,
		"redis_sentinel_quorum 2",
		"redis_sentinel_sentinels_reachable 3",
		`redis_sentinel_check_ok{check="master-agreement"} 1`,
		// Per-process series come from the passes each announced switch
		// triggers (the old master rejoining as a replica shows at the next
		// interval).
		`redis_sentinel_node_is_master{node="` + h.Redis.Master + `"} 1`,
		`redis_sentinel_sentinel_master_info{master="` + h.Redis.Master + `",sentinel="` + c.Layout.Sentinels[0].String() + `"} 1`,
		`redis_sentinel_sentinel_failovers_seen_total{sentinel="` + c.Layout.Sentinels[0].String() + `"} 1`,
	}
	testenv.WaitFor(t, 15*time.Second, "/metrics shows the failover", func() (string, bool) {
		_, metrics := get(t, url+"/metrics")
		for _, want := range wants {
			if !strings.Contains(metrics, want) {
				return "lacks " + want, false
			}
		}
		return "", true
	})
}

func TestServe_UnhealthyIs503(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	target := c.Target()
	target.Expect.Replicas = 5
	url := serve(t, target, time.Minute)
	testenv.WaitFor(t, 5*time.Second, "503 with the failed check", func() (string, bool) {
		code, h := health200(t, url)
		return h.Redis.Master, code == http.StatusServiceUnavailable && !h.Redis.Healthy && h.Redis.Master != ""
	})
	if _, metrics := get(t, url+"/metrics"); !strings.Contains(metrics, "redis_sentinel_healthy 0") ||
		!strings.Contains(metrics, `redis_sentinel_check_ok{check="replication"} 0`) {
		t.Fatalf("metrics do not show the failure:\n%s", metrics)
	}
}

// One pass gathers every process's stats; a dead node keeps its up 0 series
// and blanks no other node's.
func TestServe_PerProcessMetrics(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	url := serve(t, c.Target(), 200*time.Millisecond)
	master, replica := c.Layout.Nodes[0].String(), c.Layout.Nodes[2].String()
	series := func(name, label, addr string) string { return name + "{" + label + `="` + addr + `"}` }
	testenv.WaitFor(t, 5*time.Second, "per-node and per-sentinel series", func() (string, bool) {
		_, m := get(t, url+"/metrics")
		for _, want := range []string{
			series("redis_sentinel_node_up", "node", master) + " 1",
			series("redis_sentinel_node_is_master", "node", master) + " 1",
			series("redis_sentinel_node_connected_replicas", "node", master) + " 2",
			series("redis_sentinel_node_aof_enabled", "node", replica) + " 1",
			series("redis_sentinel_node_master_link_up", "node", replica) + " 1",
			series("redis_sentinel_node_replica_lag_bytes", "node", replica),
			series("redis_sentinel_sentinel_known_sentinels", "sentinel", c.Layout.Sentinels[1].String()) + " 2",
			series("redis_sentinel_sentinel_known_replicas", "sentinel", c.Layout.Sentinels[1].String()) + " 2",
			series("redis_sentinel_sentinel_master_sdown", "sentinel", c.Layout.Sentinels[1].String()) + " 0",
			series("redis_sentinel_sentinel_tilt", "sentinel", c.Layout.Sentinels[2].String()) + " 0",
		} {
			if !strings.Contains(m, want) {
				return want, false
			}
		}
		return "", true
	})
	c.KillNode(2)
	testenv.WaitFor(t, 5*time.Second, "dead replica is up 0, the others still report", func() (string, bool) {
		_, m := get(t, url+"/metrics")
		dead := strings.Contains(m, series("redis_sentinel_node_up", "node", replica)+" 0") &&
			!strings.Contains(m, series("redis_sentinel_node_connected_clients", "node", replica))
		alive := strings.Contains(m, series("redis_sentinel_node_up", "node", master)+" 1") &&
			strings.Contains(m, series("redis_sentinel_node_connected_replicas", "node", master)+" 1")
		return m, dead && alive
	})
}

// A standalone node gets its own checks: reachable with auth, master, AOF on,
// a round trip.
func TestServe_Standalone(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	target := verify.Target{Standalone: c.Layout.Nodes[0].String(), Username: c.Target().Username, Password: c.Target().Password}
	url := serve(t, target, time.Minute)
	testenv.WaitFor(t, 5*time.Second, "standalone healthy", func() (string, bool) {
		code, h := health200(t, url)
		return fmt.Sprint(code, h.Redis.Checks), code == http.StatusOK && h.Redis.Healthy && len(h.Redis.Checks) == 4
	})
	_, m := get(t, url+"/metrics")
	if !strings.Contains(m, `redis_sentinel_check_ok{check="persistence"} 1`) || !strings.Contains(m, `redis_sentinel_node_is_master{node="`+target.Standalone+`"} 1`) {
		t.Fatalf("standalone metrics:\n%s", m)
	}
}
