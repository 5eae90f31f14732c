package cluster

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
)

// Config keys, named once for validation messages, the stack loader and docs.
const (
	KeyName                   = "name"
	KeyPlatform               = "platform"
	KeyMode                   = "mode"
	KeyMasterName             = "masterName"
	KeyReplicas               = "replicas"
	KeySentinels              = "sentinels"
	KeyQuorum                 = "quorum"
	KeyDownAfter              = "downAfterMilliseconds"
	KeyFailoverTimeout        = "failoverTimeoutMilliseconds"
	KeyParallelSyncs          = "parallelSyncs"
	KeyMinReplicasToWrite     = "minReplicasToWrite"
	KeyMinReplicasMaxLag      = "minReplicasMaxLag"
	KeyAppendOnly             = "appendOnly"
	KeyAppendFsync            = "appendFsync"
	KeyImage                  = "image"
	KeyRedisPort              = "redisPort"
	KeySentinelPort           = "sentinelPort"
	KeyPassword               = "password"
	KeyPreviousPassword       = "previousPassword"
	KeyACL                    = "acl"
	KeyAppScripting           = "appScripting"
	KeyTLS                    = "tls"
	KeyDockerSubnet           = "dockerSubnet"
	KeyDockerNodePortBase     = "dockerNodePortBase"
	KeyDockerSentinelPortBase = "dockerSentinelPortBase"
	KeyKubeNamespace          = "kubernetesNamespace"
	KeyKubeCreateNamespace    = "kubernetesCreateNamespace"
	KeyKubeClusterDomain      = "kubernetesClusterDomain"
	KeyKubeStorageClass       = "kubernetesStorageClass"
	KeyKubeDataVolumeSize     = "kubernetesDataVolumeSize"
	KeyKubeAntiAffinity       = "kubernetesAntiAffinity"
	KeyKubeNodeCPU            = "kubernetesNodeCpu"
	KeyKubeNodeMemory         = "kubernetesNodeMemory"
	KeyKubeSentinelCPU        = "kubernetesSentinelCpu"
	KeyKubeSentinelMemory     = "kubernetesSentinelMemory"
	KeyKubeTLSSecret          = "kubernetesTlsSecret"
	// KeyRolloutSwitchover (bool) makes `rollout` gate the stage on a
	// switchover drill as well as the health checks. Not part of Spec.
	KeyRolloutSwitchover = "rolloutSwitchover"
)

// SecretKeys must be set with `pulumi config set --secret`: the project file
// can only enforce that for keys without a default (password), so the stack
// program checks the optional ones.
var SecretKeys = []string{KeyPassword, KeyPreviousPassword, KeyTLSKey}

// Labels put on every resource so tools and tests find a stack's parts.
const (
	LabelCluster = "redis-sentinel.cluster"
	LabelRole    = "redis-sentinel.role"
	LabelOrdinal = "redis-sentinel.ordinal"
)

// Role is what a process is for.
type Role string

const (
	RoleData     Role = "data"
	RoleSentinel Role = "sentinel"
	RoleSettings Role = "settings"
	// RoleCredentials is the job that applies a rotation's credentials.
	RoleCredentials Role = "credentials"
	// RoleMonitor is the always-on monitor (redis-sentinel serve).
	RoleMonitor Role = "monitor"
)

// In-container paths shared by every platform. Configs live in the data
// directory because Redis and Sentinel rewrite them (CONFIG REWRITE, SENTINEL SET)
// and the official image hands that directory to the redis user.
const (
	DataDir           = "/data"
	RedisConfPath     = DataDir + "/redis.conf"
	SentinelConfPath  = DataDir + "/sentinel.conf"
	BootstrapConfPath = "/run/redis-sentinel/redis.conf"
	SentinelBootPath  = "/run/redis-sentinel/sentinel.conf"
	SentinelStartPath = "/run/redis-sentinel/start-sentinel.sh"
	StartScriptPath   = "/run/redis-sentinel/start.sh"
	PasswordFilePath  = "/run/redis-sentinel/password"
	AuthConfPath      = "/run/redis-sentinel/auth.conf"
	PreStopPath       = "/run/redis-sentinel/pre-stop.sh"
	// TLS files as delivered; processes read copies in "tls/" under their
	// working directory (TLSDirName), owned by the user they run as.
	TLSCACertPath      = "/run/redis-sentinel/ca.crt"
	TLSCertPath        = "/run/redis-sentinel/tls.crt"
	TLSKeyPath         = "/run/redis-sentinel/tls.key"
	TLSDirName         = "tls"
	HealthcheckPath    = "/run/redis-sentinel/healthcheck.sh"
	SettingsScriptPath = "/run/redis-sentinel/apply-settings.sh"
	// CredentialsDir holds the credentials a rotation publishes (Docker: a
	// volume the credentials job writes and every process mounts read-only);
	// the job receives them in CredentialsNextDir and runs CredentialsScriptPath.
	CredentialsDir        = "/run/redis-sentinel/credentials"
	CredentialsNextDir    = "/run/redis-sentinel/credentials-next"
	CredentialsScriptPath = "/run/redis-sentinel/apply-credentials.sh"
)

// NodeName is data node i's name, e.g. redis-prod-node-0.
func (s Spec) NodeName(i int) string { return fmt.Sprintf("%s-node-%d", s.Name, i) }

// SentinelID is sentinel i's run id, fixed per cluster and ordinal, so a
// replaced sentinel keeps its identity and its peers never count a stale one.
func (s Spec) SentinelID(i int) string {
	sum := sha1.Sum([]byte(s.SentinelName(i)))
	return hex.EncodeToString(sum[:])
}

// SentinelName is sentinel i's name, e.g. redis-prod-sentinel-0.
func (s Spec) SentinelName(i int) string { return fmt.Sprintf("%s-sentinel-%d", s.Name, i) }

// NetworkName is the cluster's private network.
func (s Spec) NetworkName() string { return s.Name + "-net" }

// VolumeName is data node i's volume.
func (s Spec) VolumeName(i int) string { return s.NodeName(i) + "-data" }

// CredentialsVolumeName is the Docker volume the processes read credentials from.
func (s Spec) CredentialsVolumeName() string { return s.Name + "-credentials" }

// CredentialsJobName is the one-shot job that applies credentials live.
func (s Spec) CredentialsJobName() string { return s.Name + "-apply-credentials" }

// SettingsJobName is the one-shot job that applies runtime settings.
func (s Spec) SettingsJobName() string { return s.Name + "-settings" }

// DataNodeCount is the master plus its replicas.
func (s Spec) DataNodeCount() int { return 1 + s.Replicas }

// InitialMaster is the ordinal of the node that starts as master when no
// sentinel knows one: always node 0, so bootstrap is deterministic.
const InitialMaster = 0

// Label is one key=value label.
type Label struct {
	Key   string
	Value string
}

// Labels are the labels of a resource with the given role and ordinal (use
// ordinal -1 for cluster-wide resources), in a fixed order so that resource
// diffs stay quiet.
func Labels(s Spec, role Role, ordinal int) []Label {
	ls := []Label{{LabelCluster, s.Name}}
	if role != "" {
		ls = append(ls, Label{LabelRole, string(role)})
	}
	if ordinal >= 0 {
		ls = append(ls, Label{LabelOrdinal, fmt.Sprint(ordinal)})
	}
	return ls
}

// Stack output names, read back by the verifier and tests.
const (
	OutputName       = "name"
	OutputPlatform   = "platform"
	OutputMode       = "mode"
	OutputMasterName = "masterName"
	OutputSentinels  = "sentinels"
	OutputNodes      = "nodes"
	OutputTimers     = "timers"
	OutputAppEnv     = "appEnv"
	OutputDotEnv     = "dotenv"
	// OutputAdminUser is who the verifier authenticates as (its password is
	// the stack's password).
	OutputAdminUser     = "adminUser"
	OutputAdminPassword = "adminPassword"
	// OutputTLSCACert is the CA certificate (PEM) when TLS is on, else "".
	OutputTLSCACert = "tlsCaCert"
	// Kubernetes only: the namespace and the sentinels' client Service.
	OutputNamespace       = "namespace"
	OutputSentinelService = "sentinelService"
)
