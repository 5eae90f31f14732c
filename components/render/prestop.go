package render

import (
	"fmt"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// PreStopTimeoutSeconds bounds PreStopScript; the pod's termination grace
// period must be longer, so Redis still stops cleanly afterwards.
const PreStopTimeoutSeconds = 20

// PreStopScript (with p's PasswordFile) hands mastership over before a planned stop of data node i
// (a pod deletion, a drain, a rolling update), so the stop loses no
// acknowledged write: on a master with online replicas it pauses writes for
// the rest of the process's life (reads keep working), waits until every
// online replica has the master's replication offset, asks a sentinel for
// SENTINEL FAILOVER and waits until the answering sentinels name another
// master. Clients then find the new master through Sentinel. A replica, or a
// master without replicas, stops at once. It always exits 0: a failed
// handover must not block the stop, and each step is bounded. The node must
// listen on its announced port (true on Kubernetes, where it runs).
func PreStopScript(s cluster.Spec, l cluster.Layout, i int, p StartPaths) string {
	self := l.Nodes[i]
	return lines(
		"#!/bin/sh",
		fmt.Sprintf("# %s: hands mastership over before a planned stop. Rendered by redis-sentinel.", s.NodeName(i)),
		"set -u",
		cliAuth(s, p.PasswordFile, p.TLSSource+"/ca.crt"),
		fmt.Sprintf("self='%s %d'", self.Host, self.Port),
		fmt.Sprintf("deadline=$(( $(date +%%s) + %d ))", PreStopTimeoutSeconds),
		// The pod's own DNS name may already be withdrawn while it terminates.
		fmt.Sprintf("here() { timeout 2 redis-cli --user \"$cli_user\" $cli_tls -h 127.0.0.1 -p %d --no-auth-warning --raw \"$@\"; }", self.Port),
		"offsets() { here INFO replication | sed -n 's/^slave[0-9]*:.*state=online,offset=\\([0-9]*\\).*/\\1/p'; }",
		`[ "$(here ROLE | head -n 1)" = master ] || { echo "pre-stop: not the master, nothing to hand over"; exit 0; }`,
		// In a rolling restart the replica restarted just before may still be
		// syncing: wait (up to half the bound) until every replica is online
		// here, so the failover reconfigures all of them and none is left
		// following this node after it is demoted.
		fmt.Sprintf(`settle=$(( $(date +%%s) + %d ))`, PreStopTimeoutSeconds/2),
		fmt.Sprintf(`while [ "$(offsets | wc -l)" -lt %d ] && [ "$(date +%%s)" -lt "$settle" ]; do sleep 0.1; done`, s.Replicas),
		`[ -n "$(offsets)" ] || { echo "pre-stop: master without online replicas, nothing to hand over"; exit 0; }`,
		"# From here on no write is acknowledged here; the pause outlives the process.",
		fmt.Sprintf("here CLIENT PAUSE %d WRITE >/dev/null", (PreStopTimeoutSeconds+60)*1000),
		"target=$(here INFO replication | sed -n 's/^master_repl_offset:\\([0-9]*\\).*/\\1/p')",
		"caught_up() {",
		"  for offset in $(offsets); do [ \"$offset\" -ge \"$target\" ] || return 1; done",
		"}",
		`until caught_up; do`,
		`  [ "$(date +%s)" -ge "$deadline" ] && { echo "pre-stop: replicas did not reach offset $target in time"; exit 0; }`,
		"  sleep 0.05",
		"done",
		"failover=''",
		"for sentinel in "+shellWords(l.Sentinels)+"; do",
		`  set -- $sentinel`,
		fmt.Sprintf(`  if [ "$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw SENTINEL FAILOVER %s 2>&1)" = OK ]; then failover=$sentinel; break; fi`, s.MasterName),
		"done",
		`[ -n "$failover" ] || { echo "pre-stop: no sentinel accepted SENTINEL FAILOVER"; exit 0; }`,
		`echo "pre-stop: replicas at offset $target, failover started by sentinel $failover"`,
		"# Done when every answering sentinel names another master.",
		"while :; do",
		"  answered=0 moved=0",
		"  for sentinel in "+shellWords(l.Sentinels)+"; do",
		`    set -- $sentinel`,
		fmt.Sprintf(`    reply=$(timeout 1 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw SENTINEL get-master-addr-by-name %s 2>/dev/null | tr '\n' ' ')`, s.MasterName),
		`    [ -n "$reply" ] || continue`,
		`    answered=$((answered + 1))`,
		`    [ "$reply" = "$self " ] || moved=$((moved + 1))`,
		"  done",
		`  if [ "$answered" -gt 0 ] && [ "$moved" -eq "$answered" ]; then echo "pre-stop: sentinels name the new master"; exit 0; fi`,
		`  [ "$(date +%s)" -ge "$deadline" ] && { echo "pre-stop: $moved of $answered sentinels moved in time"; exit 0; }`,
		"  sleep 0.1",
		"done",
	)
}
