package verify

import (
	"context"
	"slices"
	"sync"
	"time"
)

// roleSampler polls every known data node's role during a drill, to report
// how many masters existed at once (a split brain shows as 2).
type roleSampler struct {
	mu      sync.Mutex
	most    int
	samples []MasterSample
}

const roleSampleInterval = 50 * time.Millisecond

func (c *Checker) startRoleSampler(ctx context.Context) (*roleSampler, func()) {
	s := &roleSampler{}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			addrs := c.nodeAddrs("", nil)
			at := time.Now()
			var masters []string
			for _, v := range observeNodes(sctx, c.nodeClients(addrs), addrs) {
				if v.Role == "master" {
					masters = append(masters, v.Addr)
				}
			}
			s.mu.Lock()
			if sctx.Err() == nil {
				s.most = max(s.most, len(masters))
				s.samples = append(s.samples, MasterSample{At: at, Masters: masters})
			}
			s.mu.Unlock()
			select {
			case <-sctx.Done():
				return
			case <-time.After(roleSampleInterval):
			}
		}
	}()
	var once sync.Once
	return s, func() { once.Do(func() { cancel(); <-done }) }
}

func (s *roleSampler) mostMasters() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most
}

func (s *roleSampler) masterSamples() []MasterSample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.samples)
}
