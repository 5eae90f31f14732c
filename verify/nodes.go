package verify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// nodeView is what one data node says about itself.
type nodeView struct {
	Addr string
	Role string            // master, slave, or "" when unreachable
	Info map[string]string // INFO replication, server and keyspace
	Err  error
}

// observeNode asks one data node for its replication state, uptime and
// dataset size.
func observeNode(ctx context.Context, addr string, c *redis.Client) nodeView {
	v := nodeView{Addr: addr}
	text, err := c.Info(ctx, "replication", "server", "keyspace").Result()
	if err != nil {
		v.Err = fmt.Errorf("node %s: info: %w", addr, err)
		return v
	}
	v.Info = ParseInfo(text)
	v.Role = v.Info["role"]
	return v
}

func observeNodes(ctx context.Context, clients map[string]*redis.Client, addrs []string) []nodeView {
	views := make([]nodeView, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i] = observeNode(ctx, addr, clients[addr])
		}()
	}
	wg.Wait()
	return views
}

// ParseInfo turns an INFO reply into key/value pairs.
func ParseInfo(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

func checkMasterRole(master string, nodes []nodeView) Result {
	for _, n := range nodes {
		if n.Addr != master {
			continue
		}
		if n.Err != nil {
			return fail(CheckMasterRole, "%v", n.Err)
		}
		if n.Role != "master" {
			return fail(CheckMasterRole, "%s reports role %s", master, orNone(n.Role))
		}
		return pass(CheckMasterRole, "%s reports role master", master)
	}
	return fail(CheckMasterRole, "no agreed master to ask")
}

// checkSingleMaster is split-brain detection: no reachable node other than the
// agreed master may claim to be a master.
func checkSingleMaster(master string, nodes []nodeView) Result {
	var extra []string
	for _, n := range nodes {
		if n.Addr != master && n.Role == "master" {
			extra = append(extra, n.Addr)
		}
	}
	if len(extra) > 0 {
		return fail(CheckSingleMaster, "split brain: %s also claim master besides %s", strings.Join(extra, ","), orNone(master))
	}
	return pass(CheckSingleMaster, "only %s claims master among %d nodes", orNone(master), len(nodes))
}

// checkReplication verifies the master has the expected replicas online, each
// with its link up and its offset within maxLag bytes of the master's.
func checkReplication(master string, nodes []nodeView, expectReplicas int, maxLag int64) Result {
	var m *nodeView
	for i := range nodes {
		if nodes[i].Addr == master && nodes[i].Err == nil {
			m = &nodes[i]
		}
	}
	if m == nil {
		return fail(CheckReplication, "master %s not reachable", orNone(master))
	}
	connected, _ := strconv.Atoi(m.Info["connected_slaves"])
	masterOffset, _ := strconv.ParseInt(m.Info["master_repl_offset"], 10, 64)
	var bad []string
	if connected < expectReplicas {
		bad = append(bad, fmt.Sprintf("master has %d replicas connected, want %d", connected, expectReplicas))
	}
	var worstLag int64
	for _, n := range nodes {
		if n.Addr == master || n.Role != "slave" {
			continue
		}
		if link := n.Info["master_link_status"]; link != "up" {
			bad = append(bad, fmt.Sprintf("%s master_link_status=%s", n.Addr, orNone(link)))
			continue
		}
		offset, _ := strconv.ParseInt(n.Info["slave_repl_offset"], 10, 64)
		lag := max(masterOffset-offset, 0)
		worstLag = max(worstLag, lag)
		if lag > maxLag {
			bad = append(bad, fmt.Sprintf("%s lags %d bytes (bound %d)", n.Addr, lag, maxLag))
		}
	}
	if len(bad) > 0 {
		return fail(CheckReplication, "%s", strings.Join(bad, "; "))
	}
	return pass(CheckReplication, "%d replicas online, links up, worst lag %d bytes", connected, worstLag)
}

// replicasOnline is the agreed master's connected_slaves (0 if unknown).
func replicasOnline(master string, nodes []nodeView) int {
	for _, n := range nodes {
		if n.Addr == master && n.Err == nil {
			v, _ := strconv.Atoi(n.Info["connected_slaves"])
			return v
		}
	}
	return 0
}
