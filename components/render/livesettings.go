package render

import (
	"fmt"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// LiveSentinelSettings are the Sentinel timers SettingsScript applies at run
// time (SENTINEL SET; Sentinel persists them in its rewritten config).
var LiveSentinelSettings = []string{"down-after-milliseconds", "failover-timeout", "parallel-syncs"}

// Live settings live in each process's rewritten config, on its volume. A
// process that lost its disk (a new claim, an emptied volume) starts without
// them and, until the next settings job, would run on Redis's defaults: a
// data node with min-replicas-to-write 0, whose isolated master then
// acknowledges every write it will lose (the fault matrix found that on a
// node back from a lost disk), a sentinel with down-after 30 s. So such a
// process takes them from the first peer that answers.

// nodeLiveSettings appends the data node's live settings to "$conf.next":
// from its own previous live config, else from a peer data node's CONFIG GET.
func nodeLiveSettings(l cluster.Layout, i int) string {
	return lines(
		`if [ -f "$conf" ]; then`,
		fmt.Sprintf(`  grep -E '^(%s) ' "$conf" >>"$conf.next"`, strings.Join(LiveNodeSettings, "|")),
		"else",
		"  for node in "+shellWords(otherNodes(l, i))+"; do",
		"    set -- $node",
		`    : >"$conf.live"`,
		"    for setting in "+strings.Join(LiveNodeSettings, " ")+"; do",
		`      value=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw CONFIG GET "$setting" 2>/dev/null | sed -n 2p)`,
		`      case $value in ''|*[!0-9]*) rm -f "$conf.live"; break ;; esac`,
		`      echo "$setting $value" >>"$conf.live"`,
		"    done",
		`    [ -f "$conf.live" ] || continue`,
		`    cat "$conf.live" >>"$conf.next" && rm -f "$conf.live"`,
		`    echo "start: no live config of its own (a new disk): live settings from node $1:$2"`,
		"    break",
		"  done",
		"fi",
	)
}

// sentinelLiveSettings appends a new sentinel's timers to "$conf.next" (after
// its monitor line): those of the first peer that answers SENTINEL MASTER.
func sentinelLiveSettings(s cluster.Spec, peers []cluster.Endpoint) string {
	return lines(
		"for sentinel in "+shellWords(peers)+"; do",
		"  set -- $sentinel",
		fmt.Sprintf(`  view=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw SENTINEL master %s 2>/dev/null)`, s.MasterName),
		`  : >"$conf.live"`,
		"  for setting in "+strings.Join(LiveSentinelSettings, " ")+"; do",
		`    value=$(echo "$view" | grep -x -A1 "$setting" | tail -n 1)`,
		`    case $value in ''|*[!0-9]*) rm -f "$conf.live"; break ;; esac`,
		fmt.Sprintf(`    echo "sentinel $setting %s $value" >>"$conf.live"`, s.MasterName),
		"  done",
		`  [ -f "$conf.live" ] || continue`,
		`  cat "$conf.live" >>"$conf.next" && rm -f "$conf.live"`,
		`  echo "start: timers from sentinel $1:$2"`,
		"  break",
		"done",
	)
}

// otherNodes are the data nodes other than i.
func otherNodes(l cluster.Layout, i int) []cluster.Endpoint {
	var others []cluster.Endpoint
	for j, n := range l.Nodes {
		if j != i {
			others = append(others, n)
		}
	}
	return others
}
