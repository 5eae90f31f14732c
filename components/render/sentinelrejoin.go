package render

import (
	"fmt"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// sentinelRejoin renders what a sentinel restarted on its own config checks
// first: whether a quorum of its peers, at a config epoch no older than its
// own, agree on another master. Two failovers close together can leave a
// sentinel naming a stale master at the newest epoch (it ended the older
// failover after its peers finished the newer one: seen in a soak with
// down-after 1 s), and hellos of that same epoch never correct it; every
// client that asks it is sent to a replica. A restart then takes the
// master its peers agree on.
func sentinelRejoin(s cluster.Spec, peers []cluster.Endpoint) string {
	m := s.MasterName
	return lines(
		fmt.Sprintf(`  own_epoch=$(sed -n 's/^sentinel config-epoch %s //p' "$conf" | tail -n 1)`, m),
		fmt.Sprintf(`  own_master=$(sed -n 's/^sentinel monitor %s \([^ ]*\) \([0-9]*\) .*/\1 \2/p' "$conf" | tail -n 1)`, m),
		"  agreed='' agreeing=0",
		"  for sentinel in "+shellWords(peers)+"; do",
		"    set -- $sentinel",
		fmt.Sprintf(`    view=$(timeout 2 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning --raw SENTINEL master %s 2>/dev/null)`, m),
		`    case $view in name*) ;; *) continue ;; esac`,
		`    epoch=$(echo "$view" | grep -x -A1 config-epoch | tail -n 1)`,
		`    [ "${epoch:-0}" -ge "${own_epoch:-0}" ] || continue`,
		`    named="$(echo "$view" | grep -x -A1 ip | tail -n 1) $(echo "$view" | grep -x -A1 port | tail -n 1)"`,
		`    if [ -z "$agreed" ] || [ "$agreed" = "$named" ]; then agreed=$named agreeing=$((agreeing + 1)); else agreed=disagree; fi`,
		"  done",
		fmt.Sprintf(`  if [ "$agreed" != disagree ] && [ "$agreeing" -ge %d ] && [ -n "$own_master" ] && [ "$agreed" != "$own_master" ]; then`, s.Quorum),
		fmt.Sprintf(`    sed -e "s/^sentinel monitor %[1]s .*/sentinel monitor %[1]s $agreed %[2]d/" -e "/^sentinel known-replica %[1]s $agreed\$/d" "$conf" >"$conf.next" && mv "$conf.next" "$conf"`, m, s.Quorum),
		`    echo "start: restarted naming master $own_master, but $agreeing peers at config epoch >= ${own_epoch:-0} agree on $agreed: monitoring it"`,
		"  fi",
	)
}

// SentinelAwaitMasterCapSeconds bounds how long a restarted sentinel waits
// for the master it monitors (sentinelAwaitMaster).
const SentinelAwaitMasterCapSeconds = 10

// sentinelAwaitMaster renders what a sentinel restarted on its own config does
// before it starts: wait, for twice its down-after (at most
// SentinelAwaitMasterCapSeconds), until the master it monitors answers. A
// sentinel starts counting down-after at its own start and reconnects at most
// once a second; when every process restarts at once (a host reboot, a
// restart of every container) it could declare down a master that is back a
// second later, and fail it over while it already takes writes: the soaks
// lost 13 and 34 acknowledged writes that way.
func sentinelAwaitMaster(s cluster.Spec) string {
	m := s.MasterName
	return lines(
		fmt.Sprintf(`  down_after=$(sed -n 's/^sentinel down-after-milliseconds %s //p' "$conf" | tail -n 1)`, m),
		fmt.Sprintf(`  set -- $(sed -n 's/^sentinel monitor %s \([^ ]*\) \([0-9]*\) .*/\1 \2/p' "$conf" | tail -n 1)`, m),
		fmt.Sprintf("  wait_s=$(( ${down_after:-%d} * 2 / 1000 ))", GuardDefaultDownAfterMs),
		fmt.Sprintf(`  [ "$wait_s" -le %[1]d ] || wait_s=%[1]d`, SentinelAwaitMasterCapSeconds),
		`  await_until=$(( $(date +%s) + wait_s ))`,
		`  while [ $# -eq 2 ] && [ "$(date +%s)" -lt "$await_until" ]; do`,
		`    timeout 1 redis-cli --user "$cli_user" $cli_tls -h "$1" -p "$2" --no-auth-warning PING 2>/dev/null | grep -q PONG && break`,
		"    sleep 0.2",
		"  done",
		`  echo "start: restarted on its own config, monitoring $* (waited up to $wait_s s for it to answer)"`,
	)
}
