package health

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/platform-team/redis-sentinel/verify"
)

// ClusterInfo is what the monitor knows about the cluster from its stack:
// its name (the `cluster` label on every series) and the write-safety bound
// alerts compare the replica count with.
type ClusterInfo struct {
	Name               string
	MinReplicasToWrite int
}

// collector turns the monitor's latest Status into Prometheus series at
// scrape time: scrapes never touch Redis (the monitor's pass did), and a
// process that stopped answering keeps only its `up 0` series.
type collector struct {
	monitor *Monitor
	info    ClusterInfo
}

func newCollector(m *Monitor, info ClusterInfo) *collector { return &collector{monitor: m, info: info} }

// Describe sends no descriptors: the series vary with the cluster (an
// unchecked collector), as redis_exporter's do.
func (c *collector) Describe(chan<- *prometheus.Desc) {}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.monitor.Status()
	e := emitter{ch: ch, cluster: c.info.Name}
	r := s.Report
	e.gauge("healthy", "1 when every health check passes.", boolValue(r.Passed()))
	for _, res := range r.Results {
		e.gauge("check_ok", "1 when the named check passes.", boolValue(res.OK), "check", res.Name)
	}
	e.gauge("replicas_online", "Replicas connected to the master.", float64(r.ReplicasOnline))
	e.gauge("sentinels_reachable", "Sentinels that answered.", float64(r.SentinelsAnswered))
	e.gauge("quorum", "Configured Sentinel quorum.", float64(r.Quorum))
	if r.Master != "" {
		e.gauge("master", "1 for the address every sentinel names as master.", 1, "address", r.Master)
		for _, n := range s.Nodes {
			if n.Up && n.Addr == r.Master {
				e.gauge("master_keys", "Keys in the agreed master's dataset: a sharp drop is data lost (RedisSentinelDatasetShrank).", float64(verify.DatasetKeys(n.Info)))
			}
		}
	}
	e.counter("failovers_seen_total", "+switch-master events seen since the monitor started.", float64(s.Failovers))
	if s.LastFailover != nil {
		e.gauge("last_failover_timestamp_seconds", "Time of the last +switch-master seen.", float64(s.LastFailover.At.UnixNano())/1e9)
	}
	e.gauge("check_duration_seconds", "How long the last health check took.", r.Elapsed.Seconds())
	t := c.monitor.Target()
	e.gauge("expected_replicas", "Replicas the stack configures.", float64(t.Expect.Replicas))
	e.gauge("expected_sentinels", "Sentinels the stack configures.", float64(len(t.Sentinels)))
	e.gauge("min_replicas_to_write", "min-replicas-to-write the stack configures (0: off).", float64(c.info.MinReplicasToWrite))
	collectNodes(e, s.Nodes)
	collectSentinels(e, s.Sentinels, s.SentinelFailovers)
}

// collectNodes emits the per-node series (label node).
func collectNodes(e emitter, nodes []NodeStats) {
	masterOffsets := map[string]float64{}
	for _, n := range nodes {
		if n.Up && n.Info["role"] == "master" {
			masterOffsets[n.Addr] = num(n.Info["master_repl_offset"])
		}
	}
	for _, n := range nodes {
		e.gauge("node_up", "1 when the node answered INFO with auth.", boolValue(n.Up), "node", n.Addr)
		if !n.Up {
			continue
		}
		i := n.Info
		gauge := func(name, help, field string) { e.gauge("node_"+name, help, num(i[field]), "node", n.Addr) }
		counter := func(name, help, field string) { e.counter("node_"+name, help, num(i[field]), "node", n.Addr) }
		e.gauge("node_is_master", "1 when the node reports role master.", boolValue(i["role"] == "master"), "node", n.Addr)
		gauge("uptime_seconds", "Seconds since the server started.", "uptime_in_seconds")
		gauge("connected_clients", "Client connections.", "connected_clients")
		gauge("connected_replicas", "Replicas connected to this node.", "connected_slaves")
		gauge("used_memory_bytes", "Memory allocated by Redis.", "used_memory")
		e.gauge("node_keys", "Keys in the node's dataset (every database).", float64(verify.DatasetKeys(i)), "node", n.Addr)
		gauge("maxmemory_bytes", "maxmemory (0: unlimited).", "maxmemory")
		gauge("ops_per_second", "Commands processed per second (instantaneous).", "instantaneous_ops_per_sec")
		counter("keyspace_hits_total", "Successful key lookups.", "keyspace_hits")
		counter("keyspace_misses_total", "Failed key lookups.", "keyspace_misses")
		counter("evicted_keys_total", "Keys evicted by maxmemory.", "evicted_keys")
		counter("expired_keys_total", "Keys expired.", "expired_keys")
		gauge("aof_enabled", "1 when appendonly is on.", "aof_enabled")
		e.gauge("node_aof_last_write_ok", "1 when the last AOF write succeeded.", boolValue(i["aof_last_write_status"] == "ok"), "node", n.Addr)
		e.gauge("node_rdb_last_bgsave_ok", "1 when the last RDB save succeeded.", boolValue(i["rdb_last_bgsave_status"] == "ok"), "node", n.Addr)
		if i["role"] == "master" {
			gauge("replication_offset", "Replication offset (a master's own, a replica's processed).", "master_repl_offset")
			collectReplicaLag(e, n)
			continue
		}
		gauge("replication_offset", "Replication offset (a master's own, a replica's processed).", "slave_repl_offset")
		e.gauge("node_master_link_up", "1 when the replica's link to its master is up.", boolValue(i["master_link_status"] == "up"), "node", n.Addr)
		if since, ok := i["master_link_down_since_seconds"]; ok && since != "-1" {
			e.gauge("node_master_link_down_since_seconds", "Seconds the replica's master link has been down.", num(since), "node", n.Addr)
		} else {
			e.gauge("node_master_link_down_since_seconds", "Seconds the replica's master link has been down.", 0, "node", n.Addr)
		}
	}
}

// collectReplicaLag emits lag per replica as its master sees it (INFO
// replication's slaveN lines: offset acknowledged, seconds since the last ack).
func collectReplicaLag(e emitter, master NodeStats) {
	own := num(master.Info["master_repl_offset"])
	for k, v := range master.Info {
		if !strings.HasPrefix(k, "slave") || !strings.Contains(v, "offset=") {
			continue
		}
		fields := map[string]string{}
		for _, kv := range strings.Split(v, ",") {
			if key, val, ok := strings.Cut(kv, "="); ok {
				fields[key] = val
			}
		}
		replica := fields["ip"] + ":" + fields["port"]
		e.gauge("node_replica_lag_bytes", "Bytes of replication stream the replica has not acknowledged.", max(own-num(fields["offset"]), 0), "node", replica)
		e.gauge("node_replica_lag_seconds", "Seconds since the replica last acknowledged the stream.", num(fields["lag"]), "node", replica)
	}
}

// collectSentinels emits the per-sentinel series (label sentinel).
func collectSentinels(e emitter, sentinels []SentinelStats, failovers map[string]int) {
	for _, s := range sentinels {
		e.gauge("sentinel_up", "1 when the sentinel answered SENTINEL MASTER with auth.", boolValue(s.Up), "sentinel", s.Addr)
		e.counter("sentinel_failovers_seen_total", "+switch-master events this sentinel published since the monitor started.", float64(failovers[s.Addr]), "sentinel", s.Addr)
		if !s.Up {
			continue
		}
		m := s.MasterInfo
		flags := strings.Split(m["flags"], ",")
		has := func(flag string) float64 {
			for _, f := range flags {
				if f == flag {
					return 1
				}
			}
			return 0
		}
		e.gauge("sentinel_master_info", "1 for the master address this sentinel names.", 1, "sentinel", s.Addr, "master", s.Master)
		e.gauge("sentinel_known_sentinels", "Other sentinels this sentinel knows.", num(m["num-other-sentinels"]), "sentinel", s.Addr)
		e.gauge("sentinel_known_replicas", "Replicas this sentinel knows.", num(m["num-slaves"]), "sentinel", s.Addr)
		e.gauge("sentinel_master_sdown", "1 when this sentinel flags the master subjectively down.", has("s_down"), "sentinel", s.Addr)
		e.gauge("sentinel_master_odown", "1 when this sentinel flags the master objectively down.", has("o_down"), "sentinel", s.Addr)
		e.gauge("sentinel_config_epoch", "The master's config epoch (+1 per failover).", num(m["config-epoch"]), "sentinel", s.Addr)
		e.gauge("sentinel_tilt", "1 while the sentinel is in TILT mode.", num(s.Info["sentinel_tilt"]), "sentinel", s.Addr)
	}
}

// emitter sends const metrics named redis_sentinel_<name>, each with the
// cluster label when it is known.
type emitter struct {
	ch      chan<- prometheus.Metric
	cluster string
}

func (e emitter) gauge(name, help string, v float64, labels ...string) {
	e.send(prometheus.GaugeValue, name, help, v, labels)
}

func (e emitter) counter(name, help string, v float64, labels ...string) {
	e.send(prometheus.CounterValue, name, help, v, labels)
}

func (e emitter) send(kind prometheus.ValueType, name, help string, v float64, labels []string) {
	var keys, values []string
	for i := 0; i+1 < len(labels); i += 2 {
		keys, values = append(keys, labels[i]), append(values, labels[i+1])
	}
	var constLabels prometheus.Labels
	if e.cluster != "" {
		constLabels = prometheus.Labels{"cluster": e.cluster}
	}
	desc := prometheus.NewDesc("redis_sentinel_"+name, help, keys, constLabels)
	e.ch <- prometheus.MustNewConstMetric(desc, kind, v, values...)
}

func num(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
