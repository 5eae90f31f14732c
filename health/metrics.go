package health

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics mirror the /health verdict for Prometheus.
type metrics struct {
	healthy      prometheus.Gauge
	checkOK      *prometheus.GaugeVec
	replicas     prometheus.Gauge
	sentinels    prometheus.Gauge
	quorum       prometheus.Gauge
	master       *prometheus.GaugeVec
	failovers    prometheus.Gauge
	lastFailover prometheus.Gauge
	checkSeconds prometheus.Gauge
}

func newMetrics(r prometheus.Registerer) *metrics {
	m := &metrics{
		healthy:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_healthy", Help: "1 when every health check passes."}),
		checkOK:      prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "redis_sentinel_check_ok", Help: "1 when the named check passes."}, []string{"check"}),
		replicas:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_replicas_online", Help: "Replicas connected to the master."}),
		sentinels:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_sentinels_reachable", Help: "Sentinels that answered."}),
		quorum:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_quorum", Help: "Configured Sentinel quorum."}),
		master:       prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "redis_sentinel_master", Help: "1 for the address every sentinel names as master."}, []string{"address"}),
		failovers:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_failovers_seen", Help: "+switch-master events seen since start."}),
		lastFailover: prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_last_failover_timestamp_seconds", Help: "Time of the last +switch-master seen (0: none)."}),
		checkSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_sentinel_check_duration_seconds", Help: "How long the last health check took."}),
	}
	r.MustRegister(m.healthy, m.checkOK, m.replicas, m.sentinels, m.quorum, m.master, m.failovers, m.lastFailover, m.checkSeconds)
	return m
}

func (m *metrics) update(s Status) {
	m.healthy.Set(boolValue(s.Report.Passed()))
	for _, res := range s.Report.Results {
		m.checkOK.WithLabelValues(res.Name).Set(boolValue(res.OK))
	}
	m.replicas.Set(float64(s.Report.ReplicasOnline))
	m.sentinels.Set(float64(s.Report.SentinelsAnswered))
	m.quorum.Set(float64(s.Report.Quorum))
	m.master.Reset()
	if s.Report.Master != "" {
		m.master.WithLabelValues(s.Report.Master).Set(1)
	}
	m.failovers.Set(float64(s.Failovers))
	if s.LastFailover != nil {
		m.lastFailover.Set(float64(s.LastFailover.At.UnixNano()) / 1e9)
	}
	m.checkSeconds.Set(s.Report.Elapsed.Seconds())
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
