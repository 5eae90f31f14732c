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

// options are the verifier's client options with one connection per
// process: the pass asks each once.
func (c *statsCollector) options(addr string) *redis.Options {
	o := c.target.ClientOptions(addr)
	o.PoolSize = 1
	return o
}

func (c *statsCollector) node(addr string) *redis.Client {
	return cachedClient(&c.mu, c.nodes, addr, func() *redis.Client { return redis.NewClient(c.options(addr)) })
}

func (c *statsCollector) sentinel(addr string) *redis.SentinelClient {
	return cachedClient(&c.mu, c.sents, addr, func() *redis.SentinelClient { return redis.NewSentinelClient(c.options(addr)) })
}

// cachedClient returns clients[addr], creating it on first use: nodes move,
// so the set is learned as passes run.
func cachedClient[C any](mu *sync.Mutex, clients map[string]C, addr string, create func() C) C {
	mu.Lock()
	defer mu.Unlock()
	if cl, ok := clients[addr]; ok {
		return cl
	}
	cl := create()
	clients[addr] = cl
	return cl
}

// collect asks the given data nodes and every sentinel of the target. The
// clients of nodes no longer in the list are closed first: node addresses
// come from the sentinels' answers, and a cache of every address ever named
// would grow without bound.
func (c *statsCollector) collect(ctx context.Context, nodeAddrs []string) ([]NodeStats, []SentinelStats) {
	c.prune(nodeAddrs)
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

// prune closes and forgets the node clients not in keep.
func (c *statsCollector) prune(keep []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for addr, cl := range c.nodes {
		if !slices.Contains(keep, addr) {
			_ = cl.Close()
			delete(c.nodes, addr)
		}
	}
}
