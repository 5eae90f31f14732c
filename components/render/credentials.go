package render

import (
	"fmt"
	"maps"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// CredentialsPaths are where the credentials job finds what it applies and
// where it publishes it.
type CredentialsPaths struct {
	// Next holds the files CredentialFiles names, as this update delivers them.
	Next string
	// Live is the directory the processes read their credentials from at start
	// (a volume shared with them); the job copies Next there. Empty when the
	// platform publishes them itself (Kubernetes updates the Secret the pods
	// mount before the job runs) and TLS changes reach the processes by a pod
	// roll: the job then only accepts, switches and prunes.
	Live string
}

// Files below CredentialsPaths.Next and .Live. Previous and the outgoing
// passwords are the job's own inputs and never reach Live.
const (
	CredentialPassword     = "password"           // the tooling's password (healthchecks, start scripts)
	CredentialPrevious     = "previous-password"  // the tooling's previous password, during a rotation
	CredentialNodeAuth     = "node-auth.conf"     // RedisAuthConf
	CredentialSentinelAuth = "sentinel-auth.conf" // SentinelAuthConf
	credentialMasterAuth   = "masterauth"         // what replicas authenticate with
	credentialAuthPass     = "sentinel-auth-pass" // what sentinels authenticate with on data nodes
)

// CredentialFiles are the files a credentials job is given (see
// CredentialsScript), by name below CredentialsPaths.Next: the credentials,
// and on a TLS stack the stack's TLS files (TLSFor). Every one is a secret.
func CredentialFiles(s cluster.Spec, tls TLSFiles) map[string]string {
	files := PasswordCredentialFiles(s)
	if s.TLS {
		maps.Copy(files, tlsCredentialFiles(tls))
	}
	return files
}

// PasswordCredentialFiles are CredentialFiles without the TLS files: what a
// platform that rolls its processes for a TLS change (Kubernetes) keeps in
// the Secret it updates in place for a password change.
func PasswordCredentialFiles(s cluster.Spec) map[string]string {
	files := map[string]string{
		CredentialPassword:   s.Password,
		CredentialNodeAuth:   RedisAuthConf(s),
		credentialMasterAuth: s.UserPassword(s.ReplicationUser()),
	}
	if s.PreviousPassword != "" {
		files[CredentialPrevious] = s.PreviousPassword
	}
	if s.Mode == cluster.ModeSentinel {
		files[CredentialSentinelAuth] = SentinelAuthConf(s)
		files[credentialAuthPass] = s.UserPassword(s.SentinelUser())
	}
	return files
}

// CredentialsScript makes every live process take the spec's credentials
// without a restart, in an order where no link and no client that uses
// either the current or the previous password is ever refused:
//
//  1. accept: every user also accepts its current password (ACL SETUSER adds a
//     password and keeps the others), logged in with the current password or,
//     while the processes still run with the old one, previousPassword;
//  2. switch: the processes' own links use the current password (masterauth;
//     Sentinel's auth-pass and sentinel-pass), secrets fed on stdin (-x);
//  3. publish: the files processes read at start are replaced, so a restart
//     from here on comes back with the same credentials; when the TLS files
//     changed (checked first, see tlsPreflight), the processes take them
//     (tlsApply);
//  4. prune: each user accepts exactly the spec's passwords (resetpass), and
//     the live configs are persisted (CONFIG REWRITE, SENTINEL FLUSHCONFIG).
//
// A process that is not running (nothing listens at its address) is skipped:
// it reads the published files when it starts, as on a stack's first up. A
// process that accepts neither password fails the job with what to set.
func CredentialsScript(s cluster.Spec, l cluster.Layout, p CredentialsPaths) string {
	var b strings.Builder
	b.WriteString(lines(
		"#!/bin/sh",
		"# Applies credentials live; rendered by redis-sentinel. Safe to run repeatedly.",
		"set -u",
		"next="+p.Next,
		"live="+p.Live,
		"cli_user="+string(s.AdminUser()),
		"cli_tls='"+tlsFlags(s, p.Next+"/"+CredentialTLSCACert)+"'",
		fmt.Sprintf("deadline=$(( $(date +%%s) + %d ))", SettingsJobTimeoutSeconds),
		"# cli HOST PORT PASSWORD_FILE ARGS...: redis-cli as the tooling's user.",
		"cli() {",
		`  h=$1 p=$2 f=$3; shift 3`,
		`  REDISCLI_AUTH=$(cat "$f") redis-cli --user "$cli_user" $cli_tls -h "$h" -p "$p" --no-auth-warning "$@" 2>&1`,
		"}",
		"# login HOST PORT: sets $login to the password file HOST accepts (current,",
		"# else previous); returns 1 when nothing listens there.",
		"login() {",
		`  while :; do`,
		`    rejected=0 tried=0`,
		`    for login in "$next/`+CredentialPassword+`" "$next/`+CredentialPrevious+`"; do`,
		`      [ -f "$login" ] || continue`,
		`      tried=$((tried + 1))`,
		`      got=$(cli "$1" "$2" "$login" PING)`,
		`      case $got in`,
		`        PONG) return 0 ;;`,
		`        *WRONGPASS*|*NOAUTH*) rejected=$((rejected + 1)) ;;`,
		`        *"Connection refused"*|*"not known"*|*"name resolution"*|*"No address"*)`,
		`          echo "skip $1:$2: not running; it reads the published credentials when it starts"; return 1 ;;`,
		`        *"certificate verify failed"*)`,
		`          echo "FAIL $1:$2 serves a certificate the CA bundle in this update does not trust ($got): keep the CA in service in the bundle (`+cluster.KeyTLSCACert+`, or ca.crt of `+cluster.KeyKubeTLSSecret+`) until every process serves a certificate from the new one (README, \"Rotating credentials\")" >&2`,
		`          exit 1 ;;`,
		`        *) break ;;`,
		`      esac`,
		`    done`,
		`    if [ "$rejected" -eq "$tried" ]; then`,
		`      echo "FAIL $1:$2 accepts neither `+cluster.KeyPassword+` nor `+cluster.KeyPreviousPassword+`: set `+cluster.KeyPreviousPassword+` to the password it runs with (pulumi config set --secret `+cluster.KeyPreviousPassword+` <old>) and run up again" >&2`,
		`      exit 1`,
		`    fi`,
		`    [ "$(date +%s)" -ge "$deadline" ] && { echo "FAIL $1:$2: $got" >&2; exit 1; }`,
		`    sleep 0.2`,
		`  done`,
		"}",
		"# ok HOST PORT ARGS...: run a command as the current password; it must reply OK.",
		"ok() {",
		`  h=$1 p=$2; shift 2`,
		`  got=$(cli "$h" "$p" "$next/`+CredentialPassword+`" "$@")`,
		`  [ "$got" = OK ] || { echo "FAIL $h:$p $1 $2: $got" >&2; exit 1; }`,
		"}",
		"# secret_ok HOST PORT FILE ARGS...: ok, with FILE's content as the last argument.",
		"secret_ok() {",
		`  h=$1 p=$2 f=$3; shift 3`,
		`  got=$(REDISCLI_AUTH=$(cat "$next/`+CredentialPassword+`") redis-cli --user "$cli_user" $cli_tls -h "$h" -p "$p" --no-auth-warning -x "$@" <"$f" 2>&1)`,
		`  [ "$got" = OK ] || { echo "FAIL $h:$p $1 $2: $got" >&2; exit 1; }`,
		"}",
	))
	type process struct {
		endpoint cluster.Endpoint
		role     cluster.Role
	}
	var processes []process
	for _, n := range l.Nodes {
		processes = append(processes, process{n, cluster.RoleData})
	}
	if s.Mode == cluster.ModeSentinel {
		for _, e := range l.Sentinels {
			processes = append(processes, process{e, cluster.RoleSentinel})
		}
	}
	var endpoints []cluster.Endpoint
	for _, pr := range processes {
		endpoints = append(endpoints, pr.endpoint)
	}
	publishes := p.Live != ""
	if publishes {
		b.WriteString(tlsPreflight(s, endpoints))
	}
	b.WriteString("echo '1/4 accept: every user also accepts the current password'\nreached=''\n")
	for _, pr := range processes {
		h, port := pr.endpoint.Host, pr.endpoint.Port
		b.WriteString(fmt.Sprintf("if login %s %d; then\n  reached=\"$reached %s:%d:%s\"\n", h, port, h, port, pr.role))
		for _, u := range s.Users(pr.role) {
			b.WriteString(fmt.Sprintf("  got=$(cli %s %d \"$login\" ACL SETUSER %s on '%s')\n", h, port, u, cluster.PasswordHash(s.UserPassword(u))))
			b.WriteString(fmt.Sprintf("  [ \"$got\" = OK ] || { echo \"FAIL %s:%d ACL SETUSER %s: $got\" >&2; exit 1; }\n", h, port, u))
		}
		b.WriteString(fmt.Sprintf("  echo \"ok   %s:%d accepts the current password\"\nfi\n", h, port))
	}
	b.WriteString(lines(
		"echo '2/4 switch: the processes authenticate with the current password'",
		`for r in $reached; do`,
		`  h=${r%%:*} rest=${r#*:} p=${rest%%:*} role=${rest#*:}`,
		`  if [ "$role" = `+string(cluster.RoleData)+` ]; then`,
		`    secret_ok "$h" "$p" "$next/`+credentialMasterAuth+`" CONFIG SET masterauth`,
		`  else`,
		`    secret_ok "$h" "$p" "$next/`+credentialAuthPass+`" SENTINEL SET `+s.MasterName+` auth-pass`,
		`    secret_ok "$h" "$p" "$next/`+CredentialPassword+`" SENTINEL CONFIG SET sentinel-pass`,
		`  fi`,
		`  echo "ok   $h:$p switched"`,
		`done`,
	))
	if publishes {
		b.WriteString(publish(s, p))
	} else {
		b.WriteString("echo '3/4 publish: done by the platform before this job (the Secret the pods mount)'\n")
	}
	b.WriteString(lines(
		"echo '4/4 prune: each user accepts exactly the configured passwords'",
	))
	for _, pr := range processes {
		h, port := pr.endpoint.Host, pr.endpoint.Port
		b.WriteString(fmt.Sprintf("case \"$reached \" in *\" %s:%d:\"*)\n", h, port))
		for _, u := range s.Users(pr.role) {
			b.WriteString(fmt.Sprintf("  ok %s %d ACL SETUSER %s on resetpass %s\n", h, port, u, quotedHashes(s, u)))
		}
		if pr.role == cluster.RoleData {
			b.WriteString(fmt.Sprintf("  ok %s %d CONFIG REWRITE\n", h, port))
		} else {
			b.WriteString(fmt.Sprintf("  ok %s %d SENTINEL FLUSHCONFIG\n", h, port))
		}
		b.WriteString(fmt.Sprintf("  echo \"ok   %s:%d pruned and persisted\" ;;\nesac\n", h, port))
	}
	b.WriteString(lines("echo credentials applied"))
	return b.String()
}

// publish copies Next's files to Live (step 3) and, on a TLS stack whose
// certificates changed, makes the processes take them.
func publish(s cluster.Spec, p CredentialsPaths) string {
	var b strings.Builder
	b.WriteString(lines(
		"echo '3/4 publish: what processes read when they start'",
		`for f in `+strings.Join(publishedCredentials(s), " ")+`; do`,
		`  cp "$next/$f" "$live/.$f.next" && chmod 600 "$live/.$f.next" && mv "$live/.$f.next" "$live/$f" || { echo "FAIL publish $f" >&2; exit 1; }`,
		`done`,
	))
	if s.TLS {
		// Data nodes reload the key as the user they run as.
		b.WriteString(fmt.Sprintf("if id redis >/dev/null 2>&1; then chown redis:redis %s; fi\n", strings.Join(liveTLSFiles(p), " ")))
	}
	b.WriteString(tlsApply(s, p))
	return b.String()
}

// quotedHashes are passwordHashes as shell words ("#" starts a comment).
func quotedHashes(s cluster.Spec, u cluster.User) string {
	return "'" + strings.ReplaceAll(passwordHashes(s, u), " ", "' '") + "'"
}

// publishedCredentials are the files a credentials job copies to Live.
func publishedCredentials(s cluster.Spec) []string {
	files := []string{CredentialPassword, CredentialNodeAuth}
	if s.Mode == cluster.ModeSentinel {
		files = append(files, CredentialSentinelAuth)
	}
	if s.TLS {
		files = append(files, tlsCredentials...)
	}
	return files
}

// liveTLSFiles are the published TLS files' paths.
func liveTLSFiles(p CredentialsPaths) []string {
	paths := make([]string, len(tlsCredentials))
	for i, name := range tlsCredentials {
		paths[i] = p.Live + "/" + name
	}
	return paths
}
