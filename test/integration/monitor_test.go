package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/internal/promtest"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// TestMonitor_PrometheusSeesFailover proves the monitor every stack deploys
// with a real Prometheus scraping it and evaluating monitoring/alerts.yaml:
// after a `docker kill` of the master the new master's series and the
// failover count show in Prometheus's query API, the failover alert fires,
// and /health answers 503 during the outage and 200 once it healed.
func TestMonitor_PrometheusSeesFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	d := stacktest.NewDocker(t, ctx, 7, nil)
	res, _ := d.Up(ctx)
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	oldMaster := stacktest.RequireHealthy(t, ctx, deployed.Target(true))
	if deployed.HealthURL == "" || !strings.HasPrefix(deployed.HealthURL, "http://127.0.0.1:") {
		t.Fatalf("healthUrl output %q, want the monitor on this host's loopback", deployed.HealthURL)
	}
	monitorAddr := strings.TrimSuffix(strings.TrimPrefix(deployed.HealthURL, "http://"), "/health")
	testenv.WaitFor(t, 20*time.Second, "monitor /health 200 healthy", func() (string, bool) {
		code, healthy := getHealth(deployed.HealthURL)
		return fmt.Sprint(code), code == http.StatusOK && healthy
	})

	prom := promtest.Start(t, []string{monitorAddr}, []string{filepath.Join(testenv.RepoRoot(), "monitoring", "alerts.yaml")})
	sel := fmt.Sprintf(`{cluster=%q}`, d.Name)
	waitQuery(t, ctx, prom, 30*time.Second, "redis_sentinel_healthy"+sel+" == 1")
	waitQuery(t, ctx, prom, 5*time.Second, "redis_sentinel_failovers_seen_total"+sel+" == 0")

	health := pollHealth(ctx, deployed.HealthURL)
	masterContainer, err := d.Host.ContainerByHostPort(ctx, d.Name, portOf(t, oldMaster))
	if err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	if err := d.Host.Kill(ctx, masterContainer); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s docker kill %s (master %s)", stamp(killedAt), masterContainer, oldMaster)

	newMaster := waitQuery(t, ctx, prom, 60*time.Second, fmt.Sprintf(`redis_sentinel_master{cluster=%q,address!=%q} == 1`, d.Name, oldMaster))
	t.Logf("%s prometheus: %s", stamp(newMaster[0].Timestamp.Time()), newMaster[0])
	failovers := waitQuery(t, ctx, prom, 10*time.Second, "redis_sentinel_failovers_seen_total"+sel+" == 1")
	t.Logf("%s prometheus: %s", stamp(failovers[0].Timestamp.Time()), failovers[0])
	perSentinel := waitQuery(t, ctx, prom, 10*time.Second, fmt.Sprintf(`redis_sentinel_sentinel_master_info{cluster=%q,master=%q}`, d.Name, string(newMaster[0].Metric["address"])))
	t.Logf("prometheus: %d sentinels name %s", len(perSentinel), newMaster[0].Metric["address"])
	var alert string
	testenv.WaitFor(t, 10*time.Second, "RedisSentinelFailover firing", func() (string, bool) {
		a, ok := prom.FiringAlert(ctx, "RedisSentinelFailover")
		alert = fmt.Sprintf("%s active since %s: %s", a.Labels, stamp(a.ActiveAt), a.Annotations["summary"])
		return alert, ok
	})
	t.Logf("prometheus alert: %s", alert)

	// The killed master stays down (no restart policy after a kill): the
	// verdict is 503 (a replica short) until it is back and rejoins.
	if err := d.Host.Start(ctx, masterContainer); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 60*time.Second, "/health 200 again", func() (string, bool) {
		last := health.last()
		return fmt.Sprint(last.code), last.code == http.StatusOK && last.at.After(killedAt)
	})
	first503, back200 := health.transitions(killedAt)
	if first503.IsZero() || back200.IsZero() {
		t.Fatalf("/health never answered 503 then 200 after the kill: %v", health.codes())
	}
	t.Logf("/health: 503 from +%s, 200 again at +%s after the kill", first503.Sub(killedAt).Round(time.Millisecond), back200.Sub(killedAt).Round(time.Millisecond))

	cpu := waitQuery(t, ctx, prom, 90*time.Second, fmt.Sprintf(`rate(process_cpu_seconds_total{job=%q}[1m])`, promtest.Job))
	rss := waitQuery(t, ctx, prom, 5*time.Second, fmt.Sprintf(`process_resident_memory_bytes{job=%q}`, promtest.Job))
	t.Logf("monitor cost under 1 s scrapes: %.4f CPU cores, %.1f MiB resident", float64(cpu[0].Value), float64(rss[0].Value)/(1<<20))
}

// waitQuery polls an instant query until it returns at least one sample.
func waitQuery(t *testing.T, ctx context.Context, prom *promtest.Server, within time.Duration, query string) model.Vector {
	t.Helper()
	var vec model.Vector
	testenv.WaitFor(t, within, query, func() (string, bool) {
		vec = prom.Query(ctx, query)
		time.Sleep(200 * time.Millisecond)
		return vec.String(), len(vec) > 0
	})
	return vec
}

func stamp(at time.Time) string { return at.UTC().Format("15:04:05.000") }

func portOf(t *testing.T, addr string) int {
	t.Helper()
	var port int
	if _, err := fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &port); err != nil {
		t.Fatalf("address %s: %v", addr, err)
	}
	return port
}

func getHealth(url string) (int, bool) {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var body struct {
		Redis struct {
			Healthy bool `json:"healthy"`
		} `json:"redis"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Redis.Healthy
}

// healthLog records every /health answer, polled every 100 ms.
type healthLog struct {
	mu      sync.Mutex
	answers []healthAnswer
}

type healthAnswer struct {
	at   time.Time
	code int
}

func pollHealth(ctx context.Context, url string) *healthLog {
	h := &healthLog{}
	go func() {
		for ctx.Err() == nil {
			code, _ := getHealth(url)
			h.mu.Lock()
			h.answers = append(h.answers, healthAnswer{time.Now(), code})
			h.mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return h
}

func (h *healthLog) last() healthAnswer {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.answers) == 0 {
		return healthAnswer{}
	}
	return h.answers[len(h.answers)-1]
}

// transitions is the first 503 after since, and the first 200 after that.
func (h *healthLog) transitions(since time.Time) (first503, back200 time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.answers {
		switch {
		case a.at.Before(since):
		case first503.IsZero() && a.code == http.StatusServiceUnavailable:
			first503 = a.at
		case !first503.IsZero() && back200.IsZero() && a.code == http.StatusOK:
			back200 = a.at
		}
	}
	return first503, back200
}

func (h *healthLog) codes() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]int, len(h.answers))
	for i, a := range h.answers {
		out[i] = a.code
	}
	return out
}
