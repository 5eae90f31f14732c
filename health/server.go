package health

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves GET /health (200 healthy, 503 otherwise; the verdict under
// "redis"), GET /livez (200 while the process serves: the container's
// healthcheck, never the cluster's) and GET /metrics (Prometheus, with the
// Go runtime's and the process's own series).
func Handler(m *Monitor, info ClusterInfo) http.Handler {
	registry := prometheus.NewRegistry()
	registry.MustRegister(newCollector(m, info), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		status := m.Status()
		code := http.StatusOK
		if !status.Report.Passed() {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"redis": view(status)})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	return mux
}

// redisView is the /health payload's "redis" field.
type redisView struct {
	Healthy        bool      `json:"healthy"`
	Master         string    `json:"master"`
	ReplicasOnline int       `json:"replicasOnline"`
	Sentinels      int       `json:"sentinels"`
	Quorum         int       `json:"quorum"`
	LastFailover   *Failover `json:"lastFailover,omitempty"`
	Failovers      int       `json:"failoversSeen"`
	CheckedAt      string    `json:"checkedAt"`
	Checks         any       `json:"checks"`
}

func view(s Status) redisView {
	return redisView{
		Healthy:        s.Report.Passed(),
		Master:         s.Report.Master,
		ReplicasOnline: s.Report.ReplicasOnline,
		Sentinels:      s.Report.SentinelsAnswered,
		Quorum:         s.Report.Quorum,
		LastFailover:   s.LastFailover,
		Failovers:      s.Failovers,
		CheckedAt:      s.CheckedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Checks:         s.Report.Results,
	}
}
