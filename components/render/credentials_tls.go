package render

import (
	"fmt"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// TLS files below CredentialsPaths.Next and .Live (TLS stacks only). The
// processes read them through links at start; a data node reloads them live
// (CONFIG SET tls-*-file), a sentinel, which has no CONFIG, by a restart.
const (
	CredentialTLSCACert = "ca.crt"  // the bundle every process and client trusts
	CredentialTLSCert   = "tls.crt" // what every node and sentinel serves
	CredentialTLSKey    = "tls.key" // its key
)

// tlsProbePort is where the credentials job serves the incoming certificate
// for a moment, to check that the running processes' trust accepts it.
const tlsProbePort = 16390

// tlsCredentials are the TLS files' names, in the order they are listed.
var tlsCredentials = []string{CredentialTLSCACert, CredentialTLSCert, CredentialTLSKey}

// tlsCredentialFiles are TLSFiles by credential name.
func tlsCredentialFiles(t TLSFiles) map[string]string {
	return map[string]string{CredentialTLSCACert: t.CACert, CredentialTLSCert: t.Cert, CredentialTLSKey: t.Key}
}

// tlsPreflight fails the job before anything changes when the incoming TLS
// material would leave some link or client unable to verify a peer while the
// processes switch one by one: every running process's certificate must
// verify against the incoming bundle (drop an old CA only once nothing serves
// its certificates), and the incoming certificate against the bundle the
// processes and clients trust now (a certificate from a new CA only once the
// bundle holds it). It sets tls_changed=1 when the material differs from what
// is published.
func tlsPreflight(s cluster.Spec, processes []cluster.Endpoint) string {
	if !s.TLS {
		return "tls_changed=0\n"
	}
	var b strings.Builder
	b.WriteString(lines(
		"tls_changed=0",
		`for f in `+strings.Join(tlsCredentials, " ")+`; do`,
		`  cmp -s "$next/$f" "$live/$f" || tls_changed=1`,
		`done`,
		`if [ "$tls_changed" = 1 ] && [ -f "$live/`+CredentialTLSCACert+`" ]; then`,
		`  echo '0/4 tls: the certificates change; checking both directions of trust'`,
		`  for hp in `+endpointWords(processes)+`; do`,
		`    got=$(redis-cli --tls --cacert "$next/`+CredentialTLSCACert+`" -h "${hp%:*}" -p "${hp##*:}" PING 2>&1)`,
		`    case $got in`,
		`      *"Connection refused"*) ;;`,
		`      *SSL*|*ssl*|*certificate*|*"Could not"*)`,
		`        echo "FAIL $hp serves a certificate that `+cluster.KeyTLSCACert+` does not trust ($got): keep the CA of the certificates in service in `+cluster.KeyTLSCACert+` until every process serves the new one (README, \"Rotating credentials\")" >&2`,
		`        exit 1 ;;`,
		`    esac`,
		`  done`,
		`  probe_dir=$(mktemp -d)`,
		`  redis-server --port 0 --tls-port `+fmt.Sprint(tlsProbePort)+` --tls-cert-file "$next/`+CredentialTLSCert+`" --tls-key-file "$next/`+CredentialTLSKey+`" \`,
		`    --tls-ca-cert-file "$next/`+CredentialTLSCACert+`" --tls-auth-clients no --save '' --appendonly no --dir "$probe_dir" \`,
		`    --daemonize yes --pidfile "$probe_dir/pid" --logfile "$probe_dir/log" || { echo "FAIL cannot serve the new certificate: $(cat "$probe_dir/log")" >&2; exit 1; }`,
		`  got=''`,
		`  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do`,
		`    got=$(redis-cli --tls --cacert "$live/`+CredentialTLSCACert+`" -p `+fmt.Sprint(tlsProbePort)+` PING 2>&1)`,
		`    case $got in *"Connection refused"*) sleep 0.1 ;; *) break ;; esac`,
		`  done`,
		`  kill "$(cat "$probe_dir/pid")" 2>/dev/null; rm -rf "$probe_dir"`,
		`  case $got in`,
		`    PONG|*NOAUTH*) echo "ok   the new certificate verifies against the trust in service" ;;`,
		`    *) echo "FAIL `+cluster.KeyTLSCert+` does not verify against the CA bundle the processes and clients trust now ($got): first run up with `+cluster.KeyTLSCACert+` holding the old and the new CA and the old `+cluster.KeyTLSCert+` (README, \"Rotating credentials\")" >&2`,
		`       exit 1 ;;`,
		`  esac`,
		`fi`,
	))
	return b.String()
}

// tlsApply makes the running processes serve and trust the published TLS
// files when they changed: each data node reloads them in place; each
// sentinel in turn shuts down, is restarted by its container's restart policy
// (same container, same myid, current master asked from its peers) and must
// reach quorum before the next one goes.
func tlsApply(s cluster.Spec, p CredentialsPaths) string {
	if !s.TLS {
		return ""
	}
	live := func(name string) string { return p.Live + "/" + name }
	return lines(
		`if [ "$tls_changed" = 1 ]; then`,
		`  echo '3b tls: processes take the new certificates'`,
		`  for r in $reached; do`,
		`    h=${r%%:*} rest=${r#*:} p=${rest%%:*} role=${rest#*:}`,
		`    if [ "$role" = `+string(cluster.RoleData)+` ]; then`,
		`      ok "$h" "$p" CONFIG SET tls-ca-cert-file `+live(CredentialTLSCACert)+` tls-cert-file `+live(CredentialTLSCert)+` tls-key-file `+live(CredentialTLSKey),
		`      echo "ok   $h:$p reloaded its certificates"`,
		`    fi`,
		`  done`,
		`  for r in $reached; do`,
		`    h=${r%%:*} rest=${r#*:} p=${rest%%:*} role=${rest#*:}`,
		`    [ "$role" = `+string(cluster.RoleSentinel)+` ] || continue`,
		`    cli "$h" "$p" "$next/`+CredentialPassword+`" SHUTDOWN >/dev/null`,
		`    until_ok=$(( $(date +%s) + `+fmt.Sprint(SettingsJobTimeoutSeconds)+` ))`,
		`    while :; do`,
		`      got=$(cli "$h" "$p" "$next/`+CredentialPassword+`" SENTINEL CKQUORUM `+s.MasterName+`)`,
		`      case $got in OK*) break ;; esac`,
		`      [ "$(date +%s)" -ge "$until_ok" ] && { echo "FAIL $h:$p did not come back with quorum after its restart: $got" >&2; exit 1; }`,
		`      sleep 0.2`,
		`    done`,
		`    echo "ok   $h:$p restarted on the new certificates; $got"`,
		`  done`,
		`fi`,
	)
}

// endpointWords are endpoints as host:port shell words.
func endpointWords(es []cluster.Endpoint) string {
	words := make([]string, len(es))
	for i, e := range es {
		words[i] = e.String()
	}
	return strings.Join(words, " ")
}
