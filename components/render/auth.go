package render

import (
	"fmt"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// The password never sits in RedisConf or SentinelConf: those are plain
// configuration (a ConfigMap on Kubernetes). The auth fragments below carry
// it and travel as secrets; the start scripts append them to the live config.

// RedisAuthConf is a data node's auth fragment: clients and the replication
// link (masterauth) use the same password.
func RedisAuthConf(s cluster.Spec) string {
	return lines(
		"requirepass "+confQuote(s.Password),
		"masterauth "+confQuote(s.Password),
	)
}

// SentinelAuthConf is a sentinel's auth fragment: its own clients, its peers
// (sentinel-pass) and the monitored nodes (auth-pass). It must follow the
// `sentinel monitor` line, which names the master auth-pass refers to.
func SentinelAuthConf(s cluster.Spec) string {
	return lines(
		"requirepass "+confQuote(s.Password),
		"sentinel sentinel-pass "+confQuote(s.Password),
		fmt.Sprintf("sentinel auth-pass %s %s", s.MasterName, confQuote(s.Password)),
	)
}

// authLinePattern matches every line that holds a credential in a config the
// process has rewritten (Redis 7 rewrites requirepass as a `user default`
// line), so a restart can swap in the current fragment.
const authLinePattern = `^(requirepass|masterauth|user default|sentinel sentinel-pass|sentinel auth-pass) `
