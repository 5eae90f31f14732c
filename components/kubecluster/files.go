package kubecluster

import (
	"fmt"
	"path"
	"strconv"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// Every pod of a StatefulSet shares one template, so the per-ordinal configs
// and scripts all sit in one ConfigMap and a pod picks its own by the ordinal
// at the end of its hostname. The ConfigMap is password-free; the credentials
// Secret holds the password and the auth fragments, the TLS Secret the key
// (or the user's kubernetesTlsSecret all TLS files). All are projected into
// RunDir, so the paths match the Docker platform's (cluster.*Path).

// runDir is where configs, scripts and secrets appear in every container.
var runDir = path.Dir(cluster.PasswordFilePath)

// ConfigMap and Secret keys.
const (
	keyNodeHealthcheck     = "healthcheck-node.sh"
	keySentinelHealthcheck = "healthcheck-sentinel.sh"
	keyPassword            = render.CredentialPassword
	keyRedisAuth           = render.CredentialNodeAuth
	keySentinelAuth        = render.CredentialSentinelAuth
	// TLS only: the certificates in the ConfigMap, the key in the TLS Secret;
	// a kubernetesTlsSecret has all three under the same keys.
	keyTLSCACert = cluster.TLSSecretCACert
	keyTLSCert   = cluster.TLSSecretCert
	keyTLSKey    = cluster.TLSSecretKey
)

// Per-ordinal keys: %s is the ordinal (ordinalKey) or, in a pod's command,
// the shell expression that yields it (byOrdinal).
const (
	nodeConfPattern      = "node-%s.conf"
	nodeStartPattern     = "start-node-%s.sh"
	nodePreStopPattern   = "pre-stop-node-%s.sh"
	sentinelConfPattern  = "sentinel-%s.conf"
	sentinelStartPattern = "start-sentinel-%s.sh"
)

func ordinalKey(pattern string, i int) string { return fmt.Sprintf(pattern, strconv.Itoa(i)) }
func runPath(key string) string               { return path.Join(runDir, key) }

// byOrdinal is a command that runs the file pattern names for the pod's own
// ordinal, the suffix of its hostname (<statefulset>-<ordinal>).
func byOrdinal(pattern string) []string {
	return []string{"sh", "-c", `exec sh "` + runPath(fmt.Sprintf(pattern, "${HOSTNAME##*-}")) + `"`}
}

// nodePaths are data node i's start-script paths: its own bootstrap config,
// everything else at the shared container paths.
func nodePaths(i int) render.StartPaths {
	p := render.ContainerStartPaths
	p.BootstrapConf = runPath(ordinalKey(nodeConfPattern, i))
	return p
}

func sentinelPaths(i int) render.StartPaths {
	p := render.ContainerSentinelStartPaths
	p.BootstrapConf = runPath(ordinalKey(sentinelConfPattern, i))
	return p
}

// nodeFiles are the data nodes' ConfigMap: what their pods read at start
// (no secret in any of it). Timers and write safety are not here: they are
// applied live, so changing them never rolls a pod.
func nodeFiles(s cluster.Spec, l cluster.Layout, tls render.TLSFiles) map[string]string {
	files := certFiles(s, tls)
	files[keyNodeHealthcheck] = render.MountedCredentialsHealthcheckScript(s, s.Ports.Redis)
	for i := range s.DataNodeCount() {
		files[ordinalKey(nodeConfPattern, i)] = render.RedisConf(s, l, i)
		files[ordinalKey(nodeStartPattern, i)] = render.StartScript(s, l, i, nodePaths(i))
		files[ordinalKey(nodePreStopPattern, i)] = render.PreStopScript(s, l, i, nodePaths(i))
	}
	return files
}

// sentinelFiles are the sentinels' ConfigMap.
func sentinelFiles(s cluster.Spec, l cluster.Layout, tls render.TLSFiles) map[string]string {
	files := certFiles(s, tls)
	files[keySentinelHealthcheck] = render.MountedCredentialsHealthcheckScript(s, s.Ports.Sentinel)
	for i := range s.Sentinels {
		files[ordinalKey(sentinelConfPattern, i)] = render.SentinelConf(s, l, i)
		files[ordinalKey(sentinelStartPattern, i)] = render.SentinelStartScript(s, l, i, sentinelPaths(i))
	}
	return files
}

// certFiles are the public TLS files, none without TLS or when the pods
// mount a kubernetesTlsSecret.
func certFiles(s cluster.Spec, tls render.TLSFiles) map[string]string {
	if !s.TLS || s.Kubernetes.TLSSecret != "" {
		return map[string]string{}
	}
	return map[string]string{keyTLSCACert: tls.CACert, keyTLSCert: tls.Cert}
}
