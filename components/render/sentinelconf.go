package render

import (
	"fmt"
	"slices"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// SentinelConf renders the bootstrap sentinel.conf of sentinel i. Sentinel
// rewrites this file as it learns the cluster, so it must live on a writable
// path. Its credentials are in SentinelAuthConf. Timers are applied live by
// SettingsScript (SENTINEL SET), which Sentinel persists here, so changing a
// timer never restarts a sentinel.
func SentinelConf(s cluster.Spec, l cluster.Layout, i int) string {
	self, master := l.Sentinels[i], l.InitialMaster()
	conf := lines(
		fmt.Sprintf("# %s: bootstrap config rendered by redis-sentinel; Sentinel rewrites it.", s.SentinelName(i)),
		"bind * -::*",
		"protected-mode yes",
		"dir "+SentinelDir,
	) + listenConf(s, s.Ports.Sentinel) + lines(
		// A fixed id: a replaced sentinel rejoins as itself, not as a new peer.
		"sentinel myid "+s.SentinelID(i),
	)
	if self.IsHostname() || master.IsHostname() {
		conf += lines("sentinel resolve-hostnames yes", "sentinel announce-hostnames yes")
	}
	conf += lines(
		"sentinel announce-ip "+self.Host,
		fmt.Sprintf("sentinel announce-port %d", self.Port),
		fmt.Sprintf("sentinel monitor %s %s %d %d", s.MasterName, master.Host, master.Port, s.Quorum),
	)
	// The peers are known from the start (fixed ids and addresses), so the
	// sentinels have their quorum at once instead of after their first hello
	// messages (every 2 s). Not with hostnames: Sentinel resolves a known
	// sentinel's name while it loads the config, and a peer not yet in DNS
	// would keep it from starting.
	if !slices.ContainsFunc(l.Sentinels, cluster.Endpoint.IsHostname) {
		for j, peer := range l.Sentinels {
			if j != i {
				conf += lines(fmt.Sprintf("sentinel known-sentinel %s %s %d %s", s.MasterName, peer.Host, peer.Port, s.SentinelID(j)))
			}
		}
	}
	return conf
}
