package health_test

import (
	"context"
	"encoding/json"
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
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checker.Close() })
	monitor := health.NewMonitor(checker, target, interval)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := httptest.NewServer(health.Handler(monitor))
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
	if h.Redis.ReplicasOnline != 2 || h.Redis.Sentinels != 3 || h.Redis.Quorum != 2 || len(h.Redis.Checks) != 9 {
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
	_, metrics := get(t, url+"/metrics")
	for _, want := range []string{
		"redis_sentinel_failovers_seen 1",
		`redis_sentinel_master{address="` + h.Redis.Master + `"} 1`,
		"redis_sentinel_quorum 2",
		"redis_sentinel_sentinels_reachable 3",
		`redis_sentinel_check_ok{check="master-agreement"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, metrics)
		}
	}
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
