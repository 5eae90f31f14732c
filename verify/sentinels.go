package verify

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/redis/go-redis/v9"
)

// SentinelAPI is the part of go-redis's *redis.SentinelClient the checks use.
type SentinelAPI interface {
	GetMasterAddrByName(ctx context.Context, name string) *redis.StringSliceCmd
	Master(ctx context.Context, name string) *redis.MapStringStringCmd
	Replicas(ctx context.Context, name string) *redis.MapStringStringSliceCmd
	Sentinels(ctx context.Context, name string) *redis.MapStringStringSliceCmd
	CkQuorum(ctx context.Context, name string) *redis.StringCmd
	Failover(ctx context.Context, name string) *redis.StatusCmd
}

// sentinelView is what one sentinel says about the master; Err is set when the
// sentinel could not be asked at all.
type sentinelView struct {
	Addr      string
	Master    string // host:port from GET-MASTER-ADDR-BY-NAME
	Info      map[string]string
	Replicas  []map[string]string
	Peers     []map[string]string
	CkQuorum  string
	QuorumErr error
	Err       error
}

// observeSentinel asks one sentinel everything the checks need.
func observeSentinel(ctx context.Context, addr string, s SentinelAPI, masterName string) sentinelView {
	v := sentinelView{Addr: addr}
	hostPort, err := s.GetMasterAddrByName(ctx, masterName).Result()
	if err != nil {
		v.Err = fmt.Errorf("sentinel %s: get-master-addr-by-name %s: %w", addr, masterName, err)
		return v
	}
	if len(hostPort) == 2 {
		v.Master = net.JoinHostPort(hostPort[0], hostPort[1])
	}
	if v.Info, err = s.Master(ctx, masterName).Result(); err != nil {
		v.Err = fmt.Errorf("sentinel %s: master %s: %w", addr, masterName, err)
		return v
	}
	if v.Replicas, err = s.Replicas(ctx, masterName).Result(); err != nil {
		v.Err = fmt.Errorf("sentinel %s: replicas %s: %w", addr, masterName, err)
		return v
	}
	if v.Peers, err = s.Sentinels(ctx, masterName).Result(); err != nil {
		v.Err = fmt.Errorf("sentinel %s: sentinels %s: %w", addr, masterName, err)
		return v
	}
	v.CkQuorum, v.QuorumErr = s.CkQuorum(ctx, masterName).Result()
	return v
}

// observeSentinels asks every sentinel in parallel, so a slow or dead one costs
// one timeout, not one per sentinel.
func observeSentinels(ctx context.Context, clients map[string]SentinelAPI, addrs []string, masterName string) []sentinelView {
	views := make([]sentinelView, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i] = observeSentinel(ctx, addr, clients[addr], masterName)
		}()
	}
	wg.Wait()
	return views
}
