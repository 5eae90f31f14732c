// Package verify tells the truth about a live Sentinel cluster: read-only
// health checks that finish in well under a second, built on go-redis's
// Sentinel client. Checks never change the cluster (the round trip writes one
// key under KeyPrefix, which expires).
package verify

import (
	"crypto/tls"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// Target is the cluster to check, as the app sees it.
type Target struct {
	// Sentinels are host:port addresses (REDIS_SENTINELS).
	Sentinels []string
	// MasterName is REDIS_SENTINEL_MASTER_NAME.
	MasterName string
	// Username and Password authenticate on sentinels and data nodes alike
	// (REDIS_USERNAME, REDIS_PASSWORD). Checks need admin commands (INFO,
	// ROLE, SENTINEL CKQUORUM ...): with ACL on, use the stack's admin user.
	// An empty Username is Redis's default user.
	Username string
	Password string
	// Nodes are data node addresses known from the stack, probed for a second
	// master besides the ones Sentinel reports. Optional.
	Nodes []string
	// Standalone is the address of a standalone node (REDIS_HOST): set, the
	// target has no sentinels and NewVerifier checks the node alone.
	Standalone string
	// KeyPrefix prefixes the keys the round-trip check writes. Default:
	// KeyPrefix (the monitor writes under its own, the only keys its ACL user
	// may write).
	KeyPrefix string
	// Expect is what the stack says the cluster should look like.
	Expect Expectations
	// Timeout bounds each network call. Default: 500ms.
	Timeout time.Duration
	// Dialer connects to sentinels and nodes; nil uses the system resolver
	// (see DialerVia for cluster-internal names).
	Dialer Dialer
	// TLS, when set, wraps every connection in TLS, verifying the server's
	// certificate for the host being dialled (REDIS_TLS, REDIS_TLS_CA_CERT).
	TLS *tls.Config
}

// Expectations are the stack's intended shape; zero fields are not checked.
type Expectations struct {
	// Replicas is the number of replicas the master must have online.
	Replicas int
	// Timers, when set, must match each sentinel's live settings.
	Timers *cluster.Timers
	// MaxReplicationLag bounds how far (in bytes of offset) a replica may trail.
	// Default: 1 MiB.
	MaxReplicationLag int64
}

// KeyPrefix prefixes the keys the round-trip check writes.
const KeyPrefix = "redis-sentinel:verify:"

const (
	defaultTimeout           = 500 * time.Millisecond
	defaultMaxReplicationLag = 1 << 20
)

// EffectiveDialer is the dialer every client of the target uses: Dialer,
// wrapped in TLS when TLS is set (nil: go-redis's default).
func (t Target) EffectiveDialer() Dialer {
	if t.TLS == nil {
		return t.Dialer
	}
	timeout := t.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	return withTLS(t.Dialer, t.TLS, timeout)
}

// FailoverOptions are go-redis options for a client that finds the master
// through the target's sentinels, as the app does: the target's credentials,
// dialer (TLS included) and timeout, and one attempt per command, so what
// fails is seen rather than retried away.
func (t Target) FailoverOptions() *redis.FailoverOptions {
	t = t.withDefaults()
	return &redis.FailoverOptions{
		MasterName:       t.MasterName,
		SentinelAddrs:    t.Sentinels,
		Username:         t.Username,
		Password:         t.Password,
		SentinelUsername: t.Username,
		SentinelPassword: t.Password,
		Dialer:           t.Dialer,
		DialTimeout:      t.Timeout,
		ReadTimeout:      t.Timeout,
		WriteTimeout:     t.Timeout,
		MaxRetries:       -1,
	}
}

// ClientOptions are go-redis options for one sentinel or node: the target's
// credentials and dialer (TLS included), short timeouts and no retries, so a
// dead or hung process costs one timeout, never a hang.
func (t Target) ClientOptions(addr string) *redis.Options {
	t = t.withDefaults()
	return &redis.Options{
		Addr:         addr,
		Username:     t.Username,
		Password:     t.Password,
		Dialer:       t.Dialer,
		DialTimeout:  t.Timeout,
		ReadTimeout:  t.Timeout,
		WriteTimeout: t.Timeout,
		MaxRetries:   -1,
		PoolSize:     2,
	}
}

func (t Target) withDefaults() Target {
	if t.Timeout == 0 {
		t.Timeout = defaultTimeout
	}
	t.Dialer, t.TLS = t.EffectiveDialer(), nil
	if t.KeyPrefix == "" {
		t.KeyPrefix = KeyPrefix
	}
	if t.Expect.MaxReplicationLag == 0 {
		t.Expect.MaxReplicationLag = defaultMaxReplicationLag
	}
	return t
}
