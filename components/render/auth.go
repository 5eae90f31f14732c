package render

import (
	"fmt"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// The password never sits in RedisConf or SentinelConf: those are plain
// configuration (a ConfigMap on Kubernetes). The auth fragments below carry
// it and travel as secrets; the start scripts append them to the live config.

// RedisAuthConf is a data node's auth fragment: clients and the replication
// link (masterauth) use the same password.
//
// With ACL on, the default user is off and each role gets its own user, its
// password stored hashed: admin (the tooling) with every command, the
// replication user with what a replica's link needs, the sentinel user with
// exactly the commands Redis documents for Sentinel, and the app user with
// data commands but no @admin or @dangerous ones (CONFIG, SHUTDOWN, FLUSHALL,
// DEBUG, REPLICAOF, ACL, KEYS ...).
//
// Without ACL the password is the default user's rather than requirepass:
// a user line can hold the previous password beside the current one during a
// rotation (requirepass holds one), and it is what Redis rewrites it to anyway.
func RedisAuthConf(s cluster.Spec) string {
	if !s.ACL {
		return lines(
			aclUser(s, cluster.UserDefault, defaultUserRules),
			"masterauth "+confQuote(s.Password),
		)
	}
	return lines(
		"user default off",
		aclUser(s, cluster.UserAdmin, "~* &* +@all"),
		aclUser(s, cluster.UserReplication, "+psync +replconf +ping"),
		aclUser(s, cluster.UserSentinel, sentinelCommands),
		aclUser(s, cluster.UserApp, appRules(s)),
		aclUser(s, cluster.UserMonitor, monitorNodeCommands),
		"masteruser "+string(cluster.UserReplication),
		"masterauth "+confQuote(s.UserPassword(cluster.UserReplication)),
	)
}

// appRules is the app user's rules on data nodes: every key, every channel
// but Sentinel's (appChannels), every data command, no @admin or @dangerous
// ones (CONFIG, SHUTDOWN, FLUSHALL, DEBUG, REPLICAOF, ACL, KEYS, MONITOR,
// CLIENT KILL ...) and no Lua unless appScripting, except two read-only ones
// that client libraries and health checks send: INFO (ioredis's ready check,
// redis-py's health probes, anyone's "is it loading / what role") and ROLE.
func appRules(s cluster.Spec) string {
	rules := "~* " + appChannels() + " +@all -@admin -@dangerous"
	if !s.AppScripting {
		rules += " -@scripting"
	}
	return rules + " +info +role"
}

// sentinelChannelPrefix prefixes the channels sentinels talk on through the
// data nodes (__sentinel__:hello).
const sentinelChannelPrefix = "__sentinel__:"

// appChannels grants every channel that does not start with
// sentinelChannelPrefix. Sentinels take a hello published there with a
// higher config epoch as the new truth: one PUBLISH by a client with `&*`
// moved the master of every sentinel to an address of its choosing (and a
// subscriber reads every sentinel's address and run ID). Redis ACL has no
// "all channels but": the complement of the prefix is its proper prefixes,
// literally, and for each position the prefix up to it followed by any other
// character ([^c]) and anything. PSUBSCRIBE patterns are checked literally
// against these, so an app that pattern-subscribes needs its patterns added.
func appChannels() string {
	var rules []string
	p := sentinelChannelPrefix
	for k := 0; k < len(p); k++ {
		if k > 0 {
			rules = append(rules, "&"+p[:k])
		}
		rules = append(rules, "&"+p[:k]+"[^"+p[k:k+1]+"]*")
	}
	return strings.Join(rules, " ")
}

// monitorNodeCommands let the monitor read every node's INFO and ROLE and
// write, read and expire its round-trip keys, and only those keys: no
// access to the app's data, no channel.
const monitorNodeCommands = "resetchannels ~" + cluster.MonitorKeyPrefix + "* -@all +@connection -@admin -@dangerous +info +role +get +set"

// monitorSentinelCommands are a discovering client's, plus CKQUORUM, which
// only reads.
const monitorSentinelCommands = sentinelClientCommands + " +sentinel|ckquorum"

// sentinelCommands is the minimal command set Sentinel needs on a data node,
// as the Redis documentation lists it.
const sentinelCommands = "allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill"

// defaultUserRules are the default user's rules without ACL: everything,
// as requirepass leaves them.
const defaultUserRules = "~* &* +@all"

// aclUser renders an ACL user with its hashed passwords and rules.
func aclUser(s cluster.Spec, u cluster.User, rules string) string {
	return fmt.Sprintf("user %s on %s %s", u, passwordHashes(s, u), rules)
}

// passwordHashes are the hashes of every password u is accepted with.
func passwordHashes(s cluster.Spec, u cluster.User) string {
	accepted := s.AcceptedPasswords(u)
	hashes := make([]string, len(accepted))
	for i, p := range accepted {
		hashes[i] = cluster.PasswordHash(p)
	}
	return strings.Join(hashes, " ")
}

// SentinelAuthConf is a sentinel's auth fragment: its own clients, its peers
// (sentinel-pass) and the monitored nodes (auth-pass). It must follow the
// `sentinel monitor` line, which names the master auth-pass refers to.
//
// With ACL on, its clients are admin (the tooling, and peer sentinels through
// sentinel-user) and the app, which may only discover the master: the
// commands a Sentinel client library sends, nothing that changes Sentinel.
// The sentinel authenticates on data nodes as the sentinel user.
func SentinelAuthConf(s cluster.Spec) string {
	if !s.ACL {
		return lines(
			aclUser(s, cluster.UserDefault, defaultUserRules),
			"sentinel sentinel-pass "+confQuote(s.Password),
			fmt.Sprintf("sentinel auth-pass %s %s", s.MasterName, confQuote(s.Password)),
		)
	}
	return lines(
		"user default off",
		aclUser(s, cluster.UserAdmin, "~* &* +@all"),
		aclUser(s, cluster.UserApp, sentinelClientCommands),
		aclUser(s, cluster.UserMonitor, monitorSentinelCommands),
		"sentinel sentinel-user "+string(cluster.UserAdmin),
		"sentinel sentinel-pass "+confQuote(s.UserPassword(cluster.UserAdmin)),
		fmt.Sprintf("sentinel auth-user %s %s", s.MasterName, cluster.UserSentinel),
		fmt.Sprintf("sentinel auth-pass %s %s", s.MasterName, confQuote(s.UserPassword(cluster.UserSentinel))),
	)
}

// sentinelClientCommands let a client discover the master, its replicas and
// the other sentinels and follow switches, with whatever discovery command its
// library uses (go-redis: GET-MASTER-ADDR-BY-NAME; redis-py: MASTERS; node-redis:
// MASTER; all: SENTINELS, REPLICAS/SLAVES, the switch-master channel), and
// nothing that changes Sentinel (FAILOVER, SET, RESET, MONITOR, REMOVE, CONFIG
// SET, FLUSHCONFIG, IS-MASTER-DOWN-BY-ADDR, which votes, all stay denied).
// @connection minus @admin/@dangerous is what libraries send on connect (AUTH,
// HELLO, PING, CLIENT SETNAME/SETINFO/ID ...); ROLE and INFO are read-only.
const sentinelClientCommands = "&* -@all +@connection -@admin -@dangerous +role +info " +
	"+subscribe +psubscribe +unsubscribe +punsubscribe " +
	"+sentinel|get-master-addr-by-name +sentinel|masters +sentinel|master " +
	"+sentinel|sentinels +sentinel|replicas +sentinel|slaves"

// authLinePattern matches every line that holds a credential in a config the
// process has rewritten (Redis 7 rewrites requirepass as a `user default`
// line, and keeps every ACL user), so a restart can swap in the current fragment.
const authLinePattern = `^(requirepass|masterauth|masteruser|user|sentinel sentinel-user|sentinel sentinel-pass|sentinel auth-user|sentinel auth-pass) `
