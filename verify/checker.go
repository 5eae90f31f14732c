package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Checker runs health checks against one cluster. It holds its clients for
// its lifetime: create it once, call Check as often as needed, then Close.
type Checker struct {
	target    Target
	sentinels map[string]SentinelAPI
	closers   []func() error
	failover  *redis.Client

	mu    sync.Mutex
	nodes map[string]*redis.Client
}

// ErrNoSentinels is returned by NewChecker for a target without sentinels.
var ErrNoSentinels = errors.New("no sentinel addresses (REDIS_SENTINELS)")

// NewChecker validates the target and creates its clients (no I/O yet).
func NewChecker(t Target) (*Checker, error) {
	t = t.withDefaults()
	if len(t.Sentinels) == 0 {
		return nil, ErrNoSentinels
	}
	if t.MasterName == "" {
		return nil, errors.New("no master name (REDIS_SENTINEL_MASTER_NAME)")
	}
	c := &Checker{target: t, sentinels: map[string]SentinelAPI{}, nodes: map[string]*redis.Client{}}
	for _, addr := range t.Sentinels {
		sc := redis.NewSentinelClient(c.options(addr))
		c.sentinels[addr] = sc
		c.closers = append(c.closers, sc.Close)
	}
	c.failover = redis.NewFailoverClient(t.FailoverOptions())
	c.closers = append(c.closers, c.failover.Close)
	return c, nil
}

// options are the client options for any sentinel or node (see
// Target.ClientOptions).
func (c *Checker) options(addr string) *redis.Options { return c.target.ClientOptions(addr) }

// node returns the client for a data node, creating it on first use: the
// master and replicas move, so the set of nodes is learned as checks run.
func (c *Checker) node(addr string) *redis.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.nodes[addr]; ok {
		return cl
	}
	cl := redis.NewClient(c.options(addr))
	c.nodes[addr] = cl
	return cl
}

// maxNodeClients bounds the node clients a Checker keeps: node addresses
// come from the sentinels' answers, so a long-lived checker (the monitor's)
// would otherwise keep one for every address ever named.
const maxNodeClients = 64

// boundNodeClients closes the clients of nodes not in keep once there are
// more than maxNodeClients.
func (c *Checker) boundNodeClients(keep []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.nodes) <= maxNodeClients {
		return
	}
	for addr, cl := range c.nodes {
		if !slices.Contains(keep, addr) {
			_ = cl.Close()
			delete(c.nodes, addr)
		}
	}
}

// nodeClients returns the clients of the given nodes.
func (c *Checker) nodeClients(addrs []string) map[string]*redis.Client {
	clients := make(map[string]*redis.Client, len(addrs))
	for _, a := range addrs {
		clients[a] = c.node(a)
	}
	return clients
}

// Close closes every client.
func (c *Checker) Close() error {
	var errs []error
	for _, closeFn := range c.closers {
		errs = append(errs, closeFn())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range c.nodes {
		errs = append(errs, cl.Close())
	}
	return errors.Join(errs...)
}

// Check runs every health check and reports each verdict with its evidence.
func (c *Checker) Check(ctx context.Context) Report {
	start := time.Now()
	t := c.target
	var r Report
	timed := func(f func() Result) {
		s := time.Now()
		res := f()
		res.Elapsed = time.Since(s)
		r.Results = append(r.Results, res)
	}

	views := observeSentinels(ctx, c.sentinels, t.Sentinels, t.MasterName)
	for _, v := range views {
		if v.Err == nil {
			r.SentinelsAnswered++
		}
	}
	timed(func() Result { return checkReachable(views) })
	master, agreement := checkAgreement(views)
	r.Master = master
	r.Results = append(r.Results, agreement)

	addrs := c.nodeAddrs(master, views)
	c.boundNodeClients(addrs)
	r.Nodes = addrs
	nodes := observeNodes(ctx, c.nodeClients(addrs), addrs)
	r.ReplicasOnline, r.Quorum = replicasOnline(master, nodes), configuredQuorum(views)
	timed(func() Result { return checkMasterRole(master, nodes) })
	timed(func() Result { return checkSingleMaster(master, nodes) })
	timed(func() Result { return checkReplication(master, nodes, t.Expect.Replicas, t.Expect.MaxReplicationLag) })
	timed(func() Result { return checkDataSafety(master, nodes) })
	timed(func() Result { return checkPeers(views, t.Expect.Replicas) })
	timed(func() Result { return checkQuorum(views) })
	if t.Expect.Timers != nil {
		timed(func() Result { return checkTimers(views, *t.Expect.Timers) })
	}
	timed(func() Result { return c.roundTrip(ctx) })
	r.Elapsed = time.Since(start)
	return r
}

// nodeAddrs are the nodes to probe: the agreed master, every replica any
// sentinel knows, and the stack's own node list (to catch a rogue master
// Sentinel has forgotten).
func (c *Checker) nodeAddrs(master string, views []sentinelView) []string {
	addrs := replicaAddrs(views)
	for _, a := range append([]string{master}, c.target.Nodes...) {
		if a != "" && !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	slices.Sort(addrs)
	return addrs
}

// roundTrip writes a short-lived key through the Sentinel-discovered master and
// reads it back.
func (c *Checker) roundTrip(ctx context.Context) Result {
	return roundTrip(ctx, c.failover, c.target.KeyPrefix)
}

// roundTrip writes a short-lived key under prefix through client and reads it back.
func roundTrip(ctx context.Context, client *redis.Client, prefix string) Result {
	key := prefix + randomHex()
	value := time.Now().UTC().Format(time.RFC3339Nano)
	if err := client.Set(ctx, key, value, time.Minute).Err(); err != nil {
		return fail(CheckRoundTrip, "set %s on the master: %v", key, err)
	}
	got, err := client.Get(ctx, key).Result()
	if err != nil {
		return fail(CheckRoundTrip, "get %s: %v", key, err)
	}
	if got != value {
		return fail(CheckRoundTrip, "get %s returned %q, wrote %q", key, got, value)
	}
	return pass(CheckRoundTrip, "wrote and read %s on the master", key)
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// String summarizes a report in one line.
func (r Report) String() string {
	if r.Passed() {
		return fmt.Sprintf("healthy: master %s, %d checks passed in %s", r.Master, len(r.Results), r.Elapsed.Round(time.Millisecond))
	}
	return fmt.Sprintf("UNHEALTHY: %d of %d checks failed", len(r.Failed()), len(r.Results))
}
