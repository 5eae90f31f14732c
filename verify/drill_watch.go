package verify

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// switchTimes is how a failover looked from the sentinels.
type switchTimes struct {
	master      string
	first, all  time.Duration
	lastAnswers map[string]string
}

// watchSwitch polls every sentinel until a majority of them answer and all
// that answer name the same new master. Times are measured from since.
func (c *Checker) watchSwitch(ctx context.Context, old string, since time.Time, within time.Duration) (switchTimes, error) {
	var st switchTimes
	majority := len(c.target.Sentinels)/2 + 1
	err := poll(ctx, within, func() bool {
		answers := c.askMasters(ctx)
		elapsed := time.Since(since)
		st.lastAnswers = answers
		agreed, answered, same := "", 0, true
		for _, m := range answers {
			if m == "" {
				continue
			}
			answered++
			if m != old && st.first == 0 {
				st.first = elapsed
			}
			if agreed == "" {
				agreed = m
			} else if m != agreed {
				same = false
			}
		}
		if same && agreed != "" && agreed != old && answered >= majority {
			st.master, st.all = agreed, elapsed
			return true
		}
		return false
	})
	if err != nil {
		return st, fmt.Errorf("sentinels never agreed on a new master (last answers %v): %w", st.lastAnswers, err)
	}
	return st, nil
}

// askMasters asks every sentinel, in parallel, which master it names ("" when
// it does not answer).
func (c *Checker) askMasters(ctx context.Context) map[string]string {
	answers := make(map[string]string, len(c.target.Sentinels))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, addr := range c.target.Sentinels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := ""
			if hp, err := c.sentinels[addr].GetMasterAddrByName(ctx, c.target.MasterName).Result(); err == nil && len(hp) == 2 {
				m = net.JoinHostPort(hp[0], hp[1])
			}
			mu.Lock()
			answers[addr] = m
			mu.Unlock()
		}()
	}
	wg.Wait()
	return answers
}

// agreedMaster is the master every answering sentinel names, or "" when
// they disagree or none answers.
func (c *Checker) agreedMaster(ctx context.Context) string {
	agreed := ""
	for _, m := range c.askMasters(ctx) {
		switch {
		case m == "":
		case agreed == "":
			agreed = m
		case m != agreed:
			return ""
		}
	}
	return agreed
}

// FailoverUnderway reports whether a failover may be under way: some
// sentinel flags the master down (s_down, o_down) or in failover, or the
// answering sentinels name different masters. A master fault healed then
// falls into Sentinel's asynchronous-replication window.
func (c *Checker) FailoverUnderway(ctx context.Context) bool {
	for _, v := range observeSentinels(ctx, c.sentinels, c.target.Sentinels, c.target.MasterName) {
		for _, flag := range strings.Split(v.Info["flags"], ",") {
			if flag == "s_down" || flag == "o_down" || flag == "failover_in_progress" {
				return true
			}
		}
	}
	return c.agreedMaster(ctx) == ""
}
