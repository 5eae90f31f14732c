package render

import (
	"fmt"
	"path"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// StartPaths are where the start script finds its inputs and what it runs.
type StartPaths struct {
	// BootstrapConf is the rendered RedisConf, delivered read-only.
	BootstrapConf string
	// Conf is the live config Redis runs with and rewrites; it lives on the
	// node's volume, so it remembers the node's last role.
	Conf string
	// DataDir is the data node's persistence directory (its volume): the
	// master guard looks there for data of its own.
	DataDir string
	// PasswordFile holds the password (for asking the sentinels).
	PasswordFile string
	// AuthConf is the process's auth fragment (RedisAuthConf or
	// SentinelAuthConf), appended to the live config on every start.
	AuthConf string
	// Exec is the shell command that replaces the script; "$conf" is the live config.
	Exec string
	// TLSSource holds ca.crt, tls.crt and tls.key as delivered (TLS only);
	// TLSDir is where the process reads its own copies: TLSDirName under its
	// working directory.
	TLSSource string
	TLSDir    string
}

// ContainerStartPaths are the paths inside a container of the official image
// layout; docker-entrypoint.sh drops root before starting the server.
var ContainerStartPaths = StartPaths{
	BootstrapConf: cluster.BootstrapConfPath,
	Conf:          cluster.RedisConfPath,
	DataDir:       cluster.DataDir,
	PasswordFile:  cluster.PasswordFilePath,
	AuthConf:      cluster.AuthConfPath,
	Exec:          `docker-entrypoint.sh redis-server "$conf"`,
	TLSSource:     path.Dir(cluster.TLSCACertPath),
	TLSDir:        cluster.DataDir + "/" + cluster.TLSDirName,
}

// StartScript decides data node i's role each time it starts, then starts
// Redis. The master it follows comes from, in order: the sentinels now (the
// truth after any failover), the role the node last persisted (CONFIG REWRITE
// keeps `replicaof` in the live config; sentinels may be restarting too),
// then the bootstrap role (ordinal 0 is master). So a replaced or restarted
// node never comes back as a second master. A node so named master must pass
// the master guard first (masterGuard): it never serves as master over
// replicas holding data it lacks. Settings applied live
// (LiveNodeSettings) are carried over from the previous live config, so a
// restart keeps them until the settings job runs again; a node without one
// (a new disk) takes them from a peer (nodeLiveSettings).
func StartScript(s cluster.Spec, l cluster.Layout, i int, p StartPaths) string {
	self := l.Nodes[i]
	return lines(
		"#!/bin/sh",
		fmt.Sprintf("# %s: decides the node's role, then starts Redis. Rendered by redis-sentinel.", s.NodeName(i)),
		"set -u",
		startUmask,
		"bootstrap="+p.BootstrapConf,
		"conf="+p.Conf,
		"auth="+p.AuthConf,
		fmt.Sprintf("self='%s %d'", self.Host, self.Port),
		cliAuth(s, p.PasswordFile, p.TLSSource+"/ca.crt"),
		askSentinels(s, l.Sentinels),
		`if [ -z "$master" ] && [ -f "$conf" ]; then`,
		`  previous=$(sed -n 's/^replicaof //p' "$conf" | tail -n 1)`,
		`  master=${previous:-$self} source="last persisted role"`,
		"fi",
		`if [ -z "$master" ]; then`,
		`  initial=$(sed -n 's/^replicaof //p' "$bootstrap" | tail -n 1)`,
		`  master=${initial:-$self} source="bootstrap"`,
		"fi",
		strings.TrimSuffix(masterGuard(s, l, i, p), "\n"),
		`{ grep -v '^replicaof ' "$bootstrap"; cat "$auth"; } >"$conf.next"`,
		strings.TrimSuffix(nodeLiveSettings(l, i), "\n"),
		`[ "$master" = "$self" ] || echo "replicaof $master" >>"$conf.next"`,
		`mv "$conf.next" "$conf"`,
		`echo "start: following master $master (from $source)"`,
		copyTLS(s, p),
		execProcess(p),
	)
}

// SentinelNodeWaitSeconds bounds how long a sentinel starting with no peer that
// names the master waits for every data node to answer, and the master to list
// the others as replicas, before choosing.
const SentinelNodeWaitSeconds = 10

// SentinelStartScript starts sentinel i. A sentinel restarted in place keeps
// the config it has rewritten; a new one (first start or replacement) monitors
// the master its peers name, else the data node that reports role master, and
// only if nobody answers the bootstrap master (ordinal 0). So a sentinel
// replaced after a failover never points the cluster back at an old master.
func SentinelStartScript(s cluster.Spec, l cluster.Layout, i int, p StartPaths) string {
	var peers []cluster.Endpoint
	for j, e := range l.Sentinels {
		if j != i {
			peers = append(peers, e)
		}
	}
	return lines(
		"#!/bin/sh",
		fmt.Sprintf("# %s: picks the master to monitor, then starts Sentinel. Rendered by redis-sentinel.", s.SentinelName(i)),
		"set -u",
		startUmask,
		"bootstrap="+p.BootstrapConf,
		"conf="+p.Conf,
		"auth="+p.AuthConf,
		cliAuth(s, p.PasswordFile, p.TLSSource+"/ca.crt"),
		"# Restarted in place: keep what Sentinel learnt, with the current credentials,",
		"# unless a quorum of its peers agree on a newer master (sentinelRejoin).",
		`if [ -f "$conf" ]; then`,
		fmt.Sprintf(`  { grep -Ev '%s' "$conf"; cat "$auth"; } >"$conf.next" && mv "$conf.next" "$conf"`, authLinePattern),
		strings.TrimSuffix(sentinelRejoin(s, peers), "\n"),
		strings.TrimSuffix(sentinelAwaitMaster(s), "\n"),
		copyTLS(s, p),
		indent(execProcess(p), "  "),
		"fi",
		askSentinels(s, peers),
		"# No peer knows: ask the nodes; if several claim master (one not yet demoted),",
		"# take the one with the most replicas. They may be starting alongside: wait (at",
		"# most "+fmt.Sprint(SentinelNodeWaitSeconds)+" s) until every node answers and the master lists the others as",
		"# replicas, since Sentinel learns replicas only from the master's INFO, every 10 s.",
		`if [ -z "$master" ]; then`,
		fmt.Sprintf("  wait_until=$(( $(date +%%s) + %d ))", SentinelNodeWaitSeconds),
		"  while :; do",
		"    most=-1 answered=0",
		"    for node in "+shellWords(l.Nodes)+"; do",
		`      set -- $node`,
		`      role=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw ROLE 2>/dev/null)`,
		`      [ -n "$role" ] || continue`,
		`      answered=$((answered + 1))`,
		`      [ "$(echo "$role" | head -n 1)" = master ] || continue`,
		`      replicas=$(( ($(echo "$role" | wc -l) - 2) / 3 ))`,
		`      if [ "$replicas" -gt "$most" ]; then most=$replicas master="$1 $2" source="node $node"; fi`,
		"    done",
		fmt.Sprintf(`    { [ "$answered" -eq %d ] && [ "$most" -eq %d ]; } || [ "$(date +%%s)" -ge "$wait_until" ] && break`, len(l.Nodes), len(l.Nodes)-1),
		"    master='' source=''",
		"    sleep 0.1",
		"  done",
		"fi",
		fmt.Sprintf(`if [ -n "$master" ]; then
  sed "s/^sentinel monitor %s .*/sentinel monitor %s $master %d/" "$bootstrap" >"$conf.next"
else
  cp "$bootstrap" "$conf.next"
  source=bootstrap
fi`, s.MasterName, s.MasterName, s.Quorum),
		`cat "$auth" >>"$conf.next"`,
		strings.TrimSuffix(sentinelLiveSettings(s, peers), "\n"),
		`mv "$conf.next" "$conf"`,
		`echo "start: monitoring master ${master:-from bootstrap} (from $source)"`,
		copyTLS(s, p),
		execProcess(p),
	)
}

// ContainerSentinelStartPaths are SentinelStartScript's paths in a container.
var ContainerSentinelStartPaths = StartPaths{
	BootstrapConf: cluster.SentinelBootPath,
	Conf:          cluster.SentinelConfPath,
	PasswordFile:  cluster.PasswordFilePath,
	AuthConf:      cluster.AuthConfPath,
	Exec:          `docker-entrypoint.sh redis-server "$conf" --sentinel`,
	TLSSource:     path.Dir(cluster.TLSCACertPath),
	TLSDir:        SentinelDir + "/" + cluster.TLSDirName,
}

// startUmask makes every file a start script or its process writes (the
// live config holds masterauth and the ACL users' hashes, Sentinel rewrites
// its peers' password into sentinel.conf) readable by its owner only, on
// every platform (Docker's bundle set it; Kubernetes did not).
const startUmask = "umask 077"

// execProcess replaces the script with the process, without the password
// the script's redis-cli calls read from REDISCLI_AUTH: exported, it would
// stay in the server's environment (/proc/<pid>/environ, core dumps), the
// previous one after a rotation.
func execProcess(p StartPaths) string {
	return "unset REDISCLI_AUTH\nexec " + p.Exec
}

// copyTLS copies the delivered TLS files where the process reads them, so
// they belong to the user it runs as (a delivered key may be root-only).
func copyTLS(s cluster.Spec, p StartPaths) string {
	if !s.TLS {
		return ":"
	}
	// As root (Docker), hand the copies to the redis user the server drops to.
	return fmt.Sprintf(`mkdir -p %[2]s && cp %[1]s/ca.crt %[1]s/tls.crt %[1]s/tls.key %[2]s/ && chmod 600 %[2]s/tls.key && `+
		`{ [ "$(id -u)" != 0 ] || chown -R redis:redis %[2]s; }`, p.TLSSource, p.TLSDir)
}

// askSentinels renders a loop that sets master ("host port") and source from
// the first of the given sentinels that names the master; both stay empty when
// none answers (each is given 2 s).
func askSentinels(s cluster.Spec, sentinels []cluster.Endpoint) string {
	return strings.TrimSuffix(lines(
		"master='' source=''",
		"for sentinel in "+shellWords(sentinels)+"; do",
		`  set -- $sentinel`,
		fmt.Sprintf(`  reply=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw SENTINEL get-master-addr-by-name %s 2>/dev/null | tr '\n' ' ')`, s.MasterName),
		`  set -- $reply`,
		`  if [ $# -eq 2 ]; then master="$1 $2" source="sentinel $sentinel"; break; fi`,
		"done",
	), "\n")
}

// shellWords renders endpoints as single-quoted "host port" words.
func shellWords(endpoints []cluster.Endpoint) string {
	words := make([]string, len(endpoints))
	for i, e := range endpoints {
		words[i] = fmt.Sprintf("'%s %d'", e.Host, e.Port)
	}
	return strings.Join(words, " ")
}
