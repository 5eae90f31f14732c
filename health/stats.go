package health

import (
	"context"
	"net"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/verify"
)

// NodeStats is one data node's INFO, as of the last pass.
type NodeStats struct {
	Addr string
	Up   bool
	// Info is every field of INFO (server, clients, memory, persistence,
	// stats, replication, keyspace), "" for fields the node did not report.
	Info map[string]string
}

// SentinelStats is what one sentinel says, as of the last pass.
type SentinelStats struct {
	Addr string
	Up   bool
	// Master is the address it names for the master (SENTINEL MASTER's ip:port).
	Master string
	// MasterInfo is SENTINEL MASTER's reply (flags, num-slaves,
	// num-other-sentinels, config-epoch ...); Info is INFO sentinel.
	MasterInfo map[string]string
	Info       map[string]string
}

// statsCollector gathers per-process stats in one pass: one INFO per data
// node, INFO and SENTINEL MASTER per sentinel, all in parallel, each call
// bounded by the target's timeout, so a dead process costs one timeout and
// blanks only its own series.
type statsCollector struct {
	target verify.Target
	mu     sync.Mutex
	nodes  map[string]*redis.Client
	sents  map[string]*redis.SentinelClient
}

func newStatsCollector(t verify.Target) *statsCollector {
	return &statsCollector{target: t, nodes: map[string]*redis.Client{}, sents: map[string]*redis.SentinelClient{}}
}

func (c *statsCollector) options(addr string) *redis.Options {
	return &redis.Options{
		Addr: addr, Username: c.target.Username, Password: c.target.Password,
		Dialer: c.target.EffectiveDialer(), DialTimeout: c.target.Timeout,
		ReadTimeout: c.target.Timeout, WriteTimeout: c.target.Timeout,
		MaxRetries: -1, PoolSize: 1,
	}
}

func (c *statsCollector) node(addr string) *redis.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.nodes[addr]; ok {
		return cl
	}
	cl := redis.NewClient(c.options(addr))
	c.nodes[addr] = cl
	return cl
}

func (c *statsCollector) sentinel(addr string) *redis.SentinelClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.sents[addr]; ok {
		return cl
	}
	cl := redis.NewSentinelClient(c.options(addr))
	c.sents[addr] = cl
	return cl
}

// collect asks the given data nodes and every sentinel of the target.
func (c *statsCollector) collect(ctx context.Context, nodeAddrs []string) ([]NodeStats, []SentinelStats) {
	nodes := make([]NodeStats, len(nodeAddrs))
	sentinels := make([]SentinelStats, len(c.target.Sentinels))
	var wg sync.WaitGroup
	for i, addr := range nodeAddrs {
		wg.Go(func() { nodes[i] = c.observeNode(ctx, addr) })
	}
	for i, addr := range c.target.Sentinels {
		wg.Go(func() { sentinels[i] = c.observeSentinel(ctx, addr) })
	}
	wg.Wait()
	return nodes, sentinels
}

func (c *statsCollector) observeNode(ctx context.Context, addr string) NodeStats {
	// The default sections: everything but commandstats and latencystats.
	text, err := c.node(addr).Info(ctx).Result()
	if err != nil {
		return NodeStats{Addr: addr}
	}
	return NodeStats{Addr: addr, Up: true, Info: verify.ParseInfo(text)}
}

func (c *statsCollector) observeSentinel(ctx context.Context, addr string) SentinelStats {
	s := c.sentinel(addr)
	master, err := s.Master(ctx, c.target.MasterName).Result()
	if err != nil {
		return SentinelStats{Addr: addr}
	}
	stats := SentinelStats{Addr: addr, Up: true, MasterInfo: master}
	if master["ip"] != "" {
		stats.Master = net.JoinHostPort(master["ip"], master["port"])
	}
	info := redis.NewStringCmd(ctx, "info", "sentinel")
	if err := s.Process(ctx, info); err == nil {
		stats.Info = verify.ParseInfo(info.Val())
	}
	return stats
}

// Close closes every client.
func (c *statsCollector) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range c.nodes {
		_ = cl.Close()
	}
	for _, cl := range c.sents {
		_ = cl.Close()
	}
}

// nodesToWatch are the nodes of the last report, the stack's and the
// standalone node, deduplicated and sorted.
func nodesToWatch(t verify.Target, last verify.Report) []string {
	var out []string
	for _, a := range slices.Concat(last.Nodes, t.Nodes, []string{t.Standalone}) {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}
