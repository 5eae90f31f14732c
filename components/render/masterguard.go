package render

import (
	"fmt"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// The master guard's bounds. A node named master waits at most
// GuardPeerWaitSeconds for the other data nodes to answer; if one of them
// holds data it would wipe, it waits for the sentinels to fail over for
// twice their down-after plus GuardFailoverSlackSeconds (down-after read from
// a sentinel, GuardDefaultDownAfterMs when none answers), never longer than
// GuardFailoverWaitCapSeconds. Platforms that probe a starting process
// (Kubernetes) must allow GuardMaxSeconds before they restart it.
const (
	GuardPeerWaitSeconds        = 10
	GuardFailoverSlackSeconds   = 10
	GuardDefaultDownAfterMs     = 30000
	GuardFailoverWaitCapSeconds = 120
	GuardMaxSeconds             = GuardPeerWaitSeconds + GuardFailoverWaitCapSeconds
)

// Files whose presence in the data directory means the node persisted
// something (Redis 7's multi-part AOF manifest, the RDB snapshot).
const (
	aofManifest = "appendonlydir/appendonly.aof.manifest"
	rdbSnapshot = "dump.rdb"
)

// masterGuard renders the data-safety rule of a node about to serve as
// master ($master = $self, from the sentinels, its persisted role or the
// bootstrap). A master's replicas full-resync from whatever it loads, so a
// master back from a lost disk, or from a crash with an AOF behind its
// replicas, before any failover would take acknowledged writes with it. So
// before serving it asks the other data nodes, and counts as holding data it
// would overwrite: with its own disk empty, any node with data; with its own
// data, a replica that followed it until it went down (its AOF may lack what
// that replica acknowledged: everysec syncs once a second, and a slow disk
// postpones even the write); with an AOF fsynced on every write (appendfsync
// always), which holds everything its replicas hold, none, unless a failover
// is already under way. A node claiming master always counts. A replica that
// restarted too (replication offset 0: Redis does not restore it from an
// AOF) does not: Sentinel could not tell which of several such replicas is
// most advanced, while this node executed every write any of them holds. If any node holds such
// data it does not start Redis but waits for the sentinels to fail over
// (they see it down, as after a crash, and promote the most advanced
// replica), then follows the new master. If no failover comes within the
// bound, it follows a node claiming master, else with an empty disk the most
// advanced node with data (so no master serves an empty dataset over full
// replicas), else it serves its own data and says what that costs. A
// brand-new cluster (every node empty) and a node whose peers do not answer
// within GuardPeerWaitSeconds start as before. Every decision is logged.
func masterGuard(s cluster.Spec, l cluster.Layout, i int, p StartPaths) string {
	if s.Mode != cluster.ModeSentinel {
		return ":"
	}
	others := otherNodes(l, i)
	complete := ":"
	if s.Persistence.AppendOnlyEnabled() && s.Persistence.AppendFsync == "always" {
		complete = fmt.Sprintf(`  [ "$own" = present ] && [ -s "%s/%s" ] && own=complete`, p.DataDir, aofManifest)
	}
	return lines(
		`if [ "$master" = "$self" ]; then`,
		"  own=empty",
		fmt.Sprintf(`  { [ -s "%[1]s/%[2]s" ] || [ -s "%[1]s/%[3]s" ]; } && own=present`, p.DataDir, aofManifest, rdbSnapshot),
		complete,
		"  # What the sentinels say of this master: down-after, and whether a failover is under way.",
		"  view=''",
		"  for sentinel in "+shellWords(l.Sentinels)+"; do",
		"    set -- $sentinel",
		fmt.Sprintf(`    view=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw SENTINEL master %s 2>/dev/null)`, s.MasterName),
		`    case $view in name*) break ;; *) view='' ;; esac`,
		"  done",
		`  down_after=$(echo "$view" | grep -x -A1 down-after-milliseconds | tail -n 1)`,
		`  case $(echo "$view" | grep -x -A1 flags | tail -n 1) in *o_down*|*failover_in_progress*) underway=yes ;; *) underway='' ;; esac`,
		`  field() { echo "$info" | sed -n "s/^$1://p"; }`,
		fmt.Sprintf("  peers_until=$(( $(date +%%s) + %d ))", GuardPeerWaitSeconds),
		"  while :; do",
		"    answered=0 holders='' claimant='' best='' best_offset=-1",
		"    for node in "+shellWords(others)+"; do",
		"      set -- $node",
		`      info=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning INFO 2>/dev/null | tr -d '\r')`,
		`      case $info in "# Server"*) ;; *) continue ;; esac`,
		"      answered=$((answered + 1)) keys=0",
		`      for k in $(echo "$info" | sed -n 's/^db[0-9]*:keys=\([0-9]*\),.*/\1/p'); do keys=$((keys + k)); done`,
		`      [ "$(field loading)" = 1 ] || [ "$keys" -gt 0 ] || continue`,
		`      role=$(field role) upstream="$(field master_host) $(field master_port)" offset=$(field master_repl_offset)`,
		"      case $own in",
		`        present) [ "$role" = master ] || { [ "$upstream" = "$self" ] && [ "${offset:-0}" -gt 0 ]; } || continue ;;`,
		`        complete) [ "$role" = master ] || [ -n "$underway" ] || continue ;;`,
		"      esac",
		`      holders="$holders $1:$2 ($role, $keys keys, offset ${offset:-0})"`,
		`      [ "$role" = master ] && claimant="$1 $2"`,
		`      if [ "${offset:-0}" -gt "$best_offset" ]; then best="$1 $2" best_offset=${offset:-0}; fi`,
		"    done",
		fmt.Sprintf(`    [ -n "$holders" ] || [ "$answered" -eq %d ] || [ "$(date +%%s)" -ge "$peers_until" ] && break`, len(others)),
		"    sleep 0.2",
		"  done",
		`  if [ -z "$holders" ]; then`,
		fmt.Sprintf(`    echo "start: guard: $answered of %d other nodes answered, none holds data this node would overwrite (own data: $own)"`, len(others)),
		"  else",
		`    echo "start: guard: named master (from $source) but other nodes hold data it would overwrite:$holders; own data: $own${underway:+; a failover is under way}"`,
		fmt.Sprintf("    wait_s=$(( ${down_after:-%d} * 2 / 1000 + %d ))", GuardDefaultDownAfterMs, GuardFailoverSlackSeconds),
		fmt.Sprintf(`    [ "$wait_s" -le %[1]d ] || wait_s=%[1]d`, GuardFailoverWaitCapSeconds),
		`    echo "start: guard: not serving until the sentinels fail over (down-after ${down_after:-unknown} ms; waiting at most $wait_s s)"`,
		"    failover_until=$(( $(date +%s) + wait_s ))",
		"    while :; do",
		indent(askSentinels(s, l.Sentinels), "      "),
		`      if [ -n "$master" ] && [ "$master" != "$self" ]; then source="$source, after failing over away from this node"; break; fi`,
		`      if [ "$(date +%s)" -ge "$failover_until" ]; then`,
		`        if [ -n "$claimant" ]; then master=$claimant source="the node claiming master (no failover within $wait_s s)"`,
		`        elif [ "$own" = empty ]; then master=$best source="the most advanced node with data, this node's disk being empty (no failover within $wait_s s)"`,
		`        else master=$self source="its own data: no failover within $wait_s s; replicas resync from it and lose what it lacks"`,
		"        fi",
		"        break",
		"      fi",
		"      sleep 0.2",
		"    done",
		"  fi",
		"fi",
	)
}
