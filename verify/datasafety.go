package verify

import (
	"net"
	"strconv"
	"strings"
	"time"
)

// CheckDataSafety fails while the master is one that started as master after
// replicas that now follow it: they full-resynced from its dataset and
// dropped whatever it lacked. The master guard (render's masterGuard)
// prevents that when it can; this check, its metric and the
// RedisSentinelReplicasResyncedFromRestartedMaster alert tell an operator
// where it could not (no failover within the guard's bound, a master whose
// AOF is fsynced on every write restarted in place, every node restarted
// after the master's disk was lost).
const CheckDataSafety = "data-safety"

const (
	// restartMargin: a replica up this much longer than its master was
	// running before the master started (fresh clusters start together).
	restartMargin = 60 * time.Second
	// RestartReportWindow is how long after such a master's start the check
	// fails: long enough for the gate of the next stage and an alert, short
	// enough that a cluster that has lived with it is healthy again.
	RestartReportWindow = 10 * time.Minute
)

// noReplID is master_replid2 of a node never promoted since it started.
var noReplID = strings.Repeat("0", 40)

// ReplicasResyncedFromRestartedMaster returns the replicas (address → INFO)
// that were running before the master at masterAddr started as master and
// now follow it, while the master's start is within RestartReportWindow.
// master and each replica's INFO need the server and replication sections.
func ReplicasResyncedFromRestartedMaster(masterAddr string, master map[string]string, replicas map[string]map[string]string) []string {
	up := func(info map[string]string) time.Duration {
		s, _ := strconv.Atoi(info["uptime_in_seconds"])
		return time.Duration(s) * time.Second
	}
	masterUp := up(master)
	if master["role"] != "master" || master["master_replid2"] != noReplID || masterUp >= RestartReportWindow {
		return nil
	}
	var older []string
	for addr, r := range replicas {
		follows := net.JoinHostPort(r["master_host"], r["master_port"]) == masterAddr
		if r["role"] == "slave" && follows && up(r) > masterUp+restartMargin {
			older = append(older, addr)
		}
	}
	return older
}

// checkDataSafety applies ReplicasResyncedFromRestartedMaster to the probed nodes.
func checkDataSafety(master string, nodes []nodeView) Result {
	var m *nodeView
	replicas := map[string]map[string]string{}
	for i, n := range nodes {
		switch {
		case n.Err != nil:
		case n.Addr == master:
			m = &nodes[i]
		case n.Role == "slave":
			replicas[n.Addr] = n.Info
		}
	}
	if m == nil {
		return fail(CheckDataSafety, "master %s not reachable", orNone(master))
	}
	if older := ReplicasResyncedFromRestartedMaster(master, m.Info, replicas); len(older) > 0 {
		return fail(CheckDataSafety, "master %s started as master %ss ago, after its replicas %s, which resynced from its dataset "+
			"(%d keys now): writes only they held are gone, unless its AOF is fsynced on every write; check the data, see the README's Data safety",
			master, m.Info["uptime_in_seconds"], strings.Join(older, ","), DatasetKeys(m.Info))
	}
	return pass(CheckDataSafety, "no replica resynced from a master that restarted after it (master up %ss, %d keys)",
		m.Info["uptime_in_seconds"], DatasetKeys(m.Info))
}

// DatasetKeys sums the keys of every database in an INFO reply's keyspace
// section.
func DatasetKeys(info map[string]string) int {
	total := 0
	for k, v := range info {
		if !strings.HasPrefix(k, "db") {
			continue
		}
		if fields, _, ok := strings.Cut(v, ","); ok {
			n, _ := strconv.Atoi(strings.TrimPrefix(fields, "keys="))
			total += n
		}
	}
	return total
}
