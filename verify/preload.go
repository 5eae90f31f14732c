package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// preloadBatch is how many keys one pipeline writes; preloadWait bounds the
// WAIT for every replica after the last batch.
const (
	preloadBatch = 1000
	preloadWait  = 10 * time.Second
)

// preloaded is a dataset written before a drill's fault and acknowledged by
// every replica (WAIT replicas): data no fault may ever lose, however the
// failover goes (what a drill's writer cannot show: it writes only around
// the fault).
type preloaded struct {
	client *redis.Client
	prefix string
	keys   int
}

// preload writes n keys under a fresh prefix through the Sentinel client and
// waits until `replicas` replicas acknowledged them.
func (c *Checker) preload(ctx context.Context, n, replicas int) (*preloaded, error) {
	opts := c.target.FailoverOptions()
	opts.ReadTimeout = preloadWait + c.target.Timeout // WAIT blocks up to preloadWait
	// Reading back follows the failover the drill caused: retry what a
	// connection to the old master fails, as the drill measures nothing here.
	opts.MaxRetries = 3
	p := &preloaded{client: redis.NewFailoverClient(opts), prefix: KeyPrefix + "preload:" + randomHex() + ":", keys: n}
	err := p.eachBatch(func(keys []string) error {
		_, err := p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, k := range keys {
				pipe.Set(ctx, k, 1, 0)
			}
			return nil
		})
		return err
	})
	if err != nil {
		_ = p.client.Close()
		return nil, fmt.Errorf("preload %d keys: %w", n, err)
	}
	got, err := p.client.Do(ctx, "WAIT", replicas, preloadWait.Milliseconds()).Int()
	if err == nil && got < replicas {
		err = fmt.Errorf("%d of %d replicas acknowledged within %s", got, replicas, preloadWait)
	}
	if err != nil {
		_ = p.client.Close()
		return nil, fmt.Errorf("preload %d keys: WAIT %d: %w", n, replicas, err)
	}
	return p, nil
}

// eachBatch calls f with the preloaded keys, preloadBatch at a time.
func (p *preloaded) eachBatch(f func(keys []string) error) error {
	for start := 0; start < p.keys; start += preloadBatch {
		keys := make([]string, 0, preloadBatch)
		for i := start; i < min(start+preloadBatch, p.keys); i++ {
			keys = append(keys, fmt.Sprintf("%s%d", p.prefix, i))
		}
		if err := f(keys); err != nil {
			return err
		}
	}
	return nil
}

// missing counts the preloaded keys the current master lacks.
func (p *preloaded) missing(ctx context.Context) (int, error) {
	missing := 0
	err := p.eachBatch(func(keys []string) error {
		values, err := p.client.MGet(ctx, keys...).Result()
		if err != nil {
			return fmt.Errorf("read back the preloaded keys: %w", err)
		}
		for _, v := range values {
			if v == nil {
				missing++
			}
		}
		return nil
	})
	return missing, err
}

// remove deletes the preloaded keys and closes the client.
func (p *preloaded) remove(ctx context.Context) {
	_ = p.eachBatch(func(keys []string) error { return p.client.Del(ctx, keys...).Err() })
	_ = p.client.Close()
}

// PreloadLost renders the preloaded keys a drill lost as "lost/preloaded",
// "-" for a drill without a preload.
func (r DrillResult) PreloadLost() string {
	if r.Preloaded == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", r.PreloadedLost, r.Preloaded)
}
