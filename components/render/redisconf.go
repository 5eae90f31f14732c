package render

import (
	"fmt"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// RedisConf renders the bootstrap redis.conf of the data node at ordinal i.
// It holds what identifies the node (port, announced address, initial
// role, persistence); the password is in RedisAuthConf. Tunables that may change while the cluster runs
// (min-replicas-*) are applied live by SettingsScript, so changing them never
// restarts a node. The initial master is always ordinal 0; replicas follow it.
func RedisConf(s cluster.Spec, l cluster.Layout, i int) string {
	self := l.Nodes[i]
	appendOnly := "no"
	if s.Persistence.AppendOnlyEnabled() {
		appendOnly = "yes"
	}
	conf := lines(
		fmt.Sprintf("# %s: bootstrap config rendered by redis-sentinel; Redis rewrites it (CONFIG REWRITE).", s.NodeName(i)),
		"bind * -::*",
		"protected-mode yes",
		"dir "+cluster.DataDir,
	) + listenConf(s, s.Ports.Redis) + lines(
		"replica-announce-ip "+self.Host,
		fmt.Sprintf("replica-announce-port %d", self.Port),
		"appendonly "+appendOnly,
		"appendfsync "+s.Persistence.AppendFsync,
		// Diskless sync ships the snapshot straight to the replica socket:
		// a restarted replica catches up without a round trip through disk.
		"repl-diskless-sync yes",
		"repl-diskless-sync-delay 0",
	)
	if s.Mode == cluster.ModeSentinel && i != cluster.InitialMaster {
		master := l.InitialMaster()
		conf += lines(fmt.Sprintf("replicaof %s %d", master.Host, master.Port))
	}
	return conf
}
