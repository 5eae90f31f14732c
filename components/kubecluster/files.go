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
// at the end of its hostname. The ConfigMap is password-free; the Secret holds
// the password and the auth fragments. Both are projected into RunDir, so the
// paths match the Docker platform's (cluster.*Path).

// runDir is where configs, scripts and secrets appear in every container.
var runDir = path.Dir(cluster.PasswordFilePath)

// ConfigMap and Secret keys.
const (
	keyNodeHealthcheck     = "healthcheck-node.sh"
	keySentinelHealthcheck = "healthcheck-sentinel.sh"
	keyPassword            = "password"
	keyRedisAuth           = "redis-auth.conf"
	keySentinelAuth        = "sentinel-auth.conf"
	// TLS only: the certificates in the ConfigMap, the key in the Secret.
	keyTLSCACert = "ca.crt"
	keyTLSCert   = "tls.crt"
	keyTLSKey    = "tls.key"
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
	files[keyNodeHealthcheck] = render.HealthcheckScript(s, s.Ports.Redis)
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
	files[keySentinelHealthcheck] = render.HealthcheckScript(s, s.Ports.Sentinel)
	for i := range s.Sentinels {
		files[ordinalKey(sentinelConfPattern, i)] = render.SentinelConf(s, l, i)
		files[ordinalKey(sentinelStartPattern, i)] = render.SentinelStartScript(s, l, i, sentinelPaths(i))
	}
	return files
}

// certFiles are the public TLS files, none without TLS.
func certFiles(s cluster.Spec, tls render.TLSFiles) map[string]string {
	if !s.TLS {
		return map[string]string{}
	}
	return map[string]string{keyTLSCACert: tls.CACert, keyTLSCert: tls.Cert}
}

// secretFiles are the Secret's data: the password and what is derived from it.
func secretFiles(s cluster.Spec, tls render.TLSFiles) map[string]string {
	files := map[string]string{keyPassword: s.Password, keyRedisAuth: render.RedisAuthConf(s)}
	if s.TLS {
		files[keyTLSKey] = tls.Key
	}
	if s.Mode == cluster.ModeSentinel {
		files[keySentinelAuth] = render.SentinelAuthConf(s)
	}
	return files
}
