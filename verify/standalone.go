package verify

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Verifier runs a cluster's health checks: a Sentinel cluster's Checker, or a
// standalone node's StandaloneChecker. Create it once, Check as often as
// needed, then Close.
type Verifier interface {
	Check(ctx context.Context) Report
	Close() error
}

// NewVerifier is the verifier the target's shape calls for.
func NewVerifier(t Target) (Verifier, error) {
	if t.Standalone != "" && len(t.Sentinels) == 0 {
		return NewStandaloneChecker(t)
	}
	return NewChecker(t)
}

// StandaloneChecker checks a single node without Sentinel: it answers with
// auth, it is a master, it persists (AOF on, its last write ok), and a write
// reads back.
type StandaloneChecker struct {
	target Target
	client *redis.Client
}

// NewStandaloneChecker creates the node's client (no I/O yet).
func NewStandaloneChecker(t Target) (*StandaloneChecker, error) {
	t = t.withDefaults()
	if t.Standalone == "" {
		return nil, errors.New("no standalone node address (REDIS_HOST)")
	}
	return &StandaloneChecker{target: t, client: redis.NewClient(t.ClientOptions(t.Standalone))}, nil
}

// Close closes the node's client.
func (s *StandaloneChecker) Close() error { return s.client.Close() }

// Check runs the standalone checks; the report names the node as Master.
func (s *StandaloneChecker) Check(ctx context.Context) Report {
	start := time.Now()
	addr := s.target.Standalone
	r := Report{Master: addr, Nodes: []string{addr}}
	timed := func(f func() Result) {
		st := time.Now()
		res := f()
		res.Elapsed = time.Since(st)
		r.Results = append(r.Results, res)
	}
	var info map[string]string
	timed(func() Result {
		text, err := s.client.Info(ctx, "replication", "persistence").Result()
		if err != nil {
			return fail(CheckNodeReachable, "node %s: info with auth: %v", addr, err)
		}
		info = ParseInfo(text)
		return pass(CheckNodeReachable, "%s answered with auth", addr)
	})
	timed(func() Result {
		role := info["role"]
		if role != "master" {
			return fail(CheckMasterRole, "%s reports role %s", addr, orNone(role))
		}
		return pass(CheckMasterRole, "%s reports role master", addr)
	})
	timed(func() Result { return checkPersistence(addr, info) })
	timed(func() Result { return roundTrip(ctx, s.client, s.target.KeyPrefix) })
	r.Elapsed = time.Since(start)
	return r
}

// checkPersistence passes when the node logs what it acknowledges: AOF on,
// its last write ok. Without AOF a restart loses every write since the last
// RDB snapshot.
func checkPersistence(addr string, info map[string]string) Result {
	switch {
	case info == nil:
		return fail(CheckPersistence, "node %s not reachable", addr)
	case info["aof_enabled"] != "1":
		return fail(CheckPersistence, "appendonly off: a restart loses the writes since the last RDB snapshot")
	case info["aof_last_write_status"] != "ok":
		return fail(CheckPersistence, "appendonly on but aof_last_write_status=%s", orNone(info["aof_last_write_status"]))
	default:
		return pass(CheckPersistence, "appendonly on, last write ok")
	}
}
