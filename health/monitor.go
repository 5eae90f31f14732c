// Package health keeps a live verdict on a cluster for on-call: the
// verifier's checks, re-run on an interval and at once on every
// +switch-master a sentinel announces, served as JSON and Prometheus metrics.
package health

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/verify"
)

// Failover is a +switch-master event a sentinel published.
type Failover struct {
	At   time.Time `json:"at"`
	From string    `json:"from"`
	To   string    `json:"to"`
}

// Status is the current verdict, with every process's stats from the same pass.
type Status struct {
	Report       verify.Report `json:"report"`
	CheckedAt    time.Time     `json:"checkedAt"`
	LastFailover *Failover     `json:"lastFailover,omitempty"`
	Failovers    int           `json:"failovers"`
	// SentinelFailovers counts the +switch-master events each sentinel published.
	SentinelFailovers map[string]int  `json:"sentinelFailovers"`
	Nodes             []NodeStats     `json:"-"`
	Sentinels         []SentinelStats `json:"-"`
}

// Monitor re-checks the cluster and remembers failovers.
type Monitor struct {
	checker   verify.Verifier
	target    verify.Target
	stats     *statsCollector
	interval  time.Duration
	recheck   chan struct{}
	mu        sync.RWMutex
	status    Status
	listeners []func(Status)
}

// NewMonitor watches the target with an existing checker.
func NewMonitor(checker verify.Verifier, target verify.Target, interval time.Duration) *Monitor {
	return &Monitor{
		checker: checker, target: target, stats: newStatsCollector(target), interval: interval,
		recheck: make(chan struct{}, 1), status: Status{SentinelFailovers: map[string]int{}},
	}
}

// Target is what the monitor watches.
func (m *Monitor) Target() verify.Target { return m.target }

// Status returns the latest verdict.
func (m *Monitor) Status() Status {
	m.mu.RLock()
	defer m.mu.RUnlock()
	status := m.status
	status.SentinelFailovers = maps.Clone(m.status.SentinelFailovers)
	return status
}

// OnUpdate registers a callback run after every check (used for metrics).
func (m *Monitor) OnUpdate(f func(Status)) { m.listeners = append(m.listeners, f) }

// Run checks once, then on every interval tick and every announced failover,
// until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	for _, addr := range m.target.Sentinels {
		go m.follow(ctx, addr)
	}
	ticker := time.NewTicker(m.interval)
	defer ticker.Stop()
	defer m.stats.Close()
	for {
		m.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-m.recheck:
		}
	}
}

// check runs the checks and the stats pass side by side.
func (m *Monitor) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	nodeAddrs := nodesToWatch(m.target, m.Status().Report)
	var nodes []NodeStats
	var sentinels []SentinelStats
	done := make(chan struct{})
	go func() {
		defer close(done)
		nodes, sentinels = m.stats.collect(cctx, nodeAddrs)
	}()
	report := m.checker.Check(cctx)
	<-done
	m.mu.Lock()
	m.status.Report, m.status.CheckedAt = report, time.Now()
	m.status.Nodes, m.status.Sentinels = nodes, sentinels
	m.mu.Unlock()
	status := m.Status()
	for _, f := range m.listeners {
		f(status)
	}
}

// follow subscribes to one sentinel's +switch-master channel (re-subscribing
// after errors) and triggers a re-check on each event.
func (m *Monitor) follow(ctx context.Context, addr string) {
	client := redis.NewSentinelClient(&redis.Options{Addr: addr, Username: m.target.Username, Password: m.target.Password, Dialer: m.target.EffectiveDialer(), DialTimeout: time.Second})
	defer client.Close()
	for ctx.Err() == nil {
		sub := client.Subscribe(ctx, "+switch-master")
		for msg := range sub.Channel() {
			m.recordFailover(addr, msg.Payload)
		}
		_ = sub.Close()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			slog.Debug("resubscribing to +switch-master", "sentinel", addr)
		}
	}
}

// recordFailover parses "<name> <old-ip> <old-port> <new-ip> <new-port>";
// every sentinel announces the same switch, so repeats are folded into one.
func (m *Monitor) recordFailover(sentinel, payload string) {
	f := strings.Fields(payload)
	if len(f) != 5 || f[0] != m.target.MasterName {
		return
	}
	event := Failover{At: time.Now(), From: net.JoinHostPort(f[1], f[2]), To: net.JoinHostPort(f[3], f[4])}
	m.mu.Lock()
	m.status.SentinelFailovers[sentinel]++
	last := m.status.LastFailover
	if last == nil || last.From != event.From || last.To != event.To || event.At.Sub(last.At) > 10*time.Second {
		m.status.LastFailover = &event
		m.status.Failovers++
	}
	m.mu.Unlock()
	select {
	case m.recheck <- struct{}{}:
	default:
	}
}
