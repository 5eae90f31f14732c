package verify

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// The functions here are pure: sentinel views in, verdict out.

func checkReachable(views []sentinelView) Result {
	var bad []string
	for _, v := range views {
		if v.Err != nil {
			bad = append(bad, v.Err.Error())
		}
	}
	if len(bad) > 0 {
		return fail(CheckSentinelsReachable, "%d/%d sentinels failed: %s", len(bad), len(views), strings.Join(bad, "; "))
	}
	return pass(CheckSentinelsReachable, "%d/%d sentinels answered with auth", len(views), len(views))
}

// checkAgreement returns the agreed master address ("" if none).
func checkAgreement(views []sentinelView) (string, Result) {
	seen := map[string][]string{}
	for _, v := range views {
		if v.Err == nil {
			seen[v.Master] = append(seen[v.Master], v.Addr)
		}
	}
	if len(seen) == 1 {
		for master, who := range seen {
			if master != "" && len(who) == len(views) {
				return master, pass(CheckMasterAgreement, "all %d sentinels name %s", len(who), master)
			}
		}
	}
	var parts []string
	for master, who := range seen {
		parts = append(parts, fmt.Sprintf("%s by %s", orNone(master), strings.Join(who, ",")))
	}
	slices.Sort(parts)
	return "", fail(CheckMasterAgreement, "sentinels disagree or are missing: %s", strings.Join(parts, "; "))
}

// checkPeers verifies each sentinel knows every other sentinel and the
// expected replicas, and does not flag the master down.
func checkPeers(views []sentinelView, expectReplicas int) Result {
	var bad []string
	for _, v := range views {
		if v.Err != nil {
			continue
		}
		if n := len(v.Peers); n != len(views)-1 {
			bad = append(bad, fmt.Sprintf("%s sees %d other sentinels, want %d", v.Addr, n, len(views)-1))
		}
		if expectReplicas > 0 && len(v.Replicas) < expectReplicas {
			bad = append(bad, fmt.Sprintf("%s sees %d replicas, want %d", v.Addr, len(v.Replicas), expectReplicas))
		}
		if flags := v.Info["flags"]; flags != "master" {
			bad = append(bad, fmt.Sprintf("%s flags master %q", v.Addr, flags))
		}
	}
	if len(bad) > 0 {
		return fail(CheckSentinelPeers, "%s", strings.Join(bad, "; "))
	}
	return pass(CheckSentinelPeers, "each sentinel sees %d others and %d+ replicas", len(views)-1, expectReplicas)
}

func checkQuorum(views []sentinelView) Result {
	var bad []string
	for _, v := range views {
		if v.Err != nil {
			continue
		}
		if v.QuorumErr != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", v.Addr, v.QuorumErr))
		}
	}
	if len(bad) > 0 {
		return fail(CheckQuorum, "ckquorum: %s", strings.Join(bad, "; "))
	}
	return pass(CheckQuorum, "ckquorum OK on every reachable sentinel")
}

// checkTimers compares live sentinel settings with the stack's.
func checkTimers(views []sentinelView, want cluster.Timers) Result {
	expected := map[string]int{
		"down-after-milliseconds": want.DownAfterMilliseconds,
		"failover-timeout":        want.FailoverTimeoutMilliseconds,
		"parallel-syncs":          want.ParallelSyncs,
	}
	var bad []string
	for _, v := range views {
		if v.Err != nil {
			continue
		}
		for field, value := range expected {
			if got := v.Info[field]; got != strconv.Itoa(value) {
				bad = append(bad, fmt.Sprintf("%s %s=%s, want %d", v.Addr, field, orNone(got), value))
			}
		}
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		return fail(CheckTimers, "%s", strings.Join(bad, "; "))
	}
	return pass(CheckTimers, "down-after=%d failover-timeout=%d parallel-syncs=%d on every sentinel",
		want.DownAfterMilliseconds, want.FailoverTimeoutMilliseconds, want.ParallelSyncs)
}

// replicaAddrs lists the replicas sentinels know, deduplicated.
func replicaAddrs(views []sentinelView) []string {
	var out []string
	for _, v := range views {
		for _, r := range v.Replicas {
			addr := net.JoinHostPort(r["ip"], r["port"])
			if !slices.Contains(out, addr) {
				out = append(out, addr)
			}
		}
	}
	slices.Sort(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// configuredQuorum is the quorum the first answering sentinel reports.
func configuredQuorum(views []sentinelView) int {
	for _, v := range views {
		if v.Err == nil {
			q, _ := strconv.Atoi(v.Info["quorum"])
			return q
		}
	}
	return 0
}
