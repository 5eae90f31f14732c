package render

import (
	"fmt"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// LiveNodeSettings are the data-node settings SettingsScript applies at run
// time; StartScript carries them over a restart.
var LiveNodeSettings = []string{"min-replicas-to-write", "min-replicas-max-lag"}

// SettingsJobTimeoutSeconds bounds how long SettingsScript waits for every
// process to accept its settings (they may still be starting).
const SettingsJobTimeoutSeconds = 120

// HealthcheckScript pings the local process with the password read from the
// password file, so the secret never appears in a container's command line,
// environment or healthcheck definition.
func HealthcheckScript(s cluster.Spec, port int) string {
	return lines(
		"#!/bin/sh",
		"# Healthy when the local process answers an authenticated PING.",
		healthcheckPing(s, port)+" | grep -q PONG",
	)
}

// MountedCredentialsHealthcheckScript is HealthcheckScript for processes
// whose password file is a mounted Secret (Kubernetes). The kubelet projects
// a changed Secret only at the pod's next sync (up to a minute or so), while
// the credentials job switches the process at once; a process that refuses
// the mounted password with WRONGPASS is answering, so it stays healthy:
// restarting it or taking it out of its Service would not make the kubelet
// faster, and would turn a live rotation into an outage.
func MountedCredentialsHealthcheckScript(s cluster.Spec, port int) string {
	return lines(
		"#!/bin/sh",
		"# Healthy when the local process answers an authenticated PING, or refuses",
		"# a mounted password that a live rotation has already replaced.",
		"got=$("+healthcheckPing(s, port)+" 2>&1)",
		`case $got in`,
		`  PONG) exit 0 ;;`,
		`  *WRONGPASS*) echo "answers, but refuses the mounted password: a rotation the kubelet has not projected yet"; exit 0 ;;`,
		`esac`,
		`echo "$got"`,
		`exit 1`,
	)
}

// healthcheckPing is the healthchecks' authenticated PING of the local process.
func healthcheckPing(s cluster.Spec, port int) string {
	return fmt.Sprintf(`REDISCLI_AUTH="$(cat %s)" redis-cli --user %s %s-p %d --no-auth-warning ping`,
		cluster.PasswordFilePath, s.AdminUser(), withSpace(tlsFlags(s, cluster.TLSCACertPath)), port)
}

// SettingsScript applies the runtime tunables to every live process: Sentinel
// timers with SENTINEL SET (Sentinel persists them) and write-safety limits with
// CONFIG SET + CONFIG REWRITE. It retries each process until its deadline, so it
// can run right after the containers start; any failure exits non-zero.
func SettingsScript(s cluster.Spec, l cluster.Layout) string {
	var b strings.Builder
	b.WriteString(lines(
		"#!/bin/sh",
		"# Applies live settings; rendered by redis-sentinel. Safe to run repeatedly.",
		"set -u",
		cliAuth(s, cluster.PasswordFilePath, cluster.TLSCACertPath),
		fmt.Sprintf("deadline=$(( $(date +%%s) + %d ))", SettingsJobTimeoutSeconds),
		"# apply HOST PORT EXPECTED COMMAND...: retry until the reply is EXPECTED.",
		"apply() {",
		`  host=$1 port=$2 want=$3; shift 3`,
		`  while :; do`,
		`    got=$(redis-cli --user "$cli_user" $cli_tls -h "$host" -p "$port" --no-auth-warning "$@" 2>&1)`,
		`    [ "$got" = "$want" ] && { echo "ok   $host:$port $1 $2"; return 0; }`,
		`    [ "$(date +%s)" -ge "$deadline" ] && { echo "FAIL $host:$port $*: $got" >&2; exit 1; }`,
		`    sleep 0.2`,
		`  done`,
		"}",
	))
	if s.Mode == cluster.ModeSentinel {
		t, w := s.Timers, s.WriteSafety
		for _, n := range l.Nodes {
			b.WriteString(lines(
				fmt.Sprintf("apply %s %d OK CONFIG SET %s %d %s %d", n.Host, n.Port,
					LiveNodeSettings[0], w.MinReplicasToWrite, LiveNodeSettings[1], w.MinReplicasMaxLagSeconds),
				fmt.Sprintf("apply %s %d OK CONFIG REWRITE", n.Host, n.Port),
			))
		}
		for _, e := range l.Sentinels {
			b.WriteString(lines(fmt.Sprintf(
				"apply %s %d OK SENTINEL SET %s %s %d %s %d %s %d", e.Host, e.Port, s.MasterName,
				LiveSentinelSettings[0], t.DownAfterMilliseconds, LiveSentinelSettings[1], t.FailoverTimeoutMilliseconds,
				LiveSentinelSettings[2], t.ParallelSyncs)))
		}
	}
	b.WriteString(lines("echo settings applied"))
	return b.String()
}
