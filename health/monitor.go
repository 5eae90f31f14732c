// Package health keeps a live verdict on a cluster for on-call: the
// verifier's checks, re-run on an interval and at once on every
// +switch-master a sentinel announces, served as JSON and Prometheus metrics.
package health

import (
	"context"
	"log/slog"
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

// Status is the current verdict.
type Status struct {
	Report       verify.Report `json:"report"`
	CheckedAt    time.Time     `json:"checkedAt"`
	LastFailover *Failover     `json:"lastFailover,omitempty"`
	Failovers    int           `json:"failovers"`
}

// Monitor re-checks the cluster and remembers failovers.
type Monitor struct {
	checker   *verify.Checker
	target    verify.Target
	interval  time.Duration
	recheck   chan struct{}
	mu        sync.RWMutex
	status    Status
	listeners []func(Status)
}

// NewMonitor watches the target with an existing checker.
func NewMonitor(checker *verify.Checker, target verify.Target, interval time.Duration) *Monitor {
	return &Monitor{checker: checker, target: target, interval: interval, recheck: make(chan struct{}, 1)}
}

// Status returns the latest verdict.
func (m *Monitor) Status() Status {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.status
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

func (m *Monitor) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	report := m.checker.Check(cctx)
	m.mu.Lock()
	m.status.Report, m.status.CheckedAt = report, time.Now()
	status := m.status
	m.mu.Unlock()
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
			m.recordFailover(msg.Payload)
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
func (m *Monitor) recordFailover(payload string) {
	f := strings.Fields(payload)
	if len(f) != 5 || f[0] != m.target.MasterName {
		return
	}
	event := Failover{At: time.Now(), From: f[1] + ":" + f[2], To: f[3] + ":" + f[4]}
	m.mu.Lock()
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
