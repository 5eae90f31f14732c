// Package cluster is the validated, platform-neutral model of a Redis Sentinel
// cluster: what the user asked for (Spec), its defaults, its validation, and the
// names, ports and topology every platform component and the verifier share.
package cluster

// Mode selects the cluster shape.
type Mode string

const (
	// ModeSentinel is one master, Replicas replicas and Sentinels sentinels.
	ModeSentinel Mode = "sentinel"
	// ModeStandalone is a single Redis node without Sentinel.
	ModeStandalone Mode = "standalone"
)

// Platform selects where the cluster runs.
type Platform string

const (
	PlatformDocker     Platform = "docker"
	PlatformKubernetes Platform = "kubernetes"
)

// Spec is everything a stack configures. Zero values mean "use the default"
// (see SetDefaults); the config key each field comes from is in its doc.
type Spec struct {
	// Name prefixes every resource (containers, network, volumes).
	// Key: name. Default: "redis-<stack>".
	Name string
	// Platform is where the cluster runs. Key: platform. Default: docker.
	Platform Platform
	// Mode is sentinel or standalone. Key: mode. Default: sentinel.
	Mode Mode
	// MasterName is the name Sentinel monitors the master under.
	// Key: masterName. Default: mymaster.
	MasterName string
	// Replicas is the number of replicas besides the master. Key: replicas. Default: 2.
	Replicas int
	// Sentinels is the number of sentinel processes. Key: sentinels. Default: 3.
	Sentinels int
	// Quorum is how many sentinels must agree the master is down.
	// Key: quorum. Default: a majority of Sentinels.
	Quorum int
	// Timers are Sentinel's failure-detection and failover settings.
	Timers Timers
	// WriteSafety bounds writes a master accepts without healthy replicas.
	WriteSafety WriteSafety
	// Persistence configures the append-only file on each data node's volume.
	Persistence Persistence
	// Image is the Redis image for every container (it must provide redis-server,
	// redis-sentinel, redis-cli and sh). Key: image. Default: redis:7.2.
	Image string
	// Ports are the ports the processes listen on inside their container or pod.
	Ports Ports
	// Password authenticates clients, replicas and sentinels. It is a secret:
	// components mark everything derived from it secret, and nothing logs it.
	// Key: password (set with `pulumi config set --secret password`). Required.
	Password string
	// PreviousPassword is still accepted beside Password while a rotation is
	// under way: with both set, every process accepts both and uses Password
	// for its own links; clearing it removes the old one everywhere. Applied
	// live, no process restarts (see render.CredentialsScript).
	// Key: previousPassword (secret). Default: none.
	PreviousPassword string
	// ACL turns on Redis ACL users (see User): the default user is disabled
	// everywhere, sentinels reach data nodes as a user limited to what Sentinel
	// needs, replicas as a replication user, the app as a user without admin or
	// dangerous commands (the contract then adds REDIS_USERNAME). Key: acl. Default: false.
	ACL bool
	// AppScripting lets the app user run Lua (EVAL, EVALSHA, SCRIPT LOAD,
	// FCALL, FUNCTION LOAD ...). Off, a script is refused with NOPERM: the
	// authenticated Lua CVEs of 2025 (CVE-2025-49844, -46817, -46818,
	// -46819) need a user that may run scripts, and FUNCTION FLUSH drops
	// every library. Needs acl. Key: appScripting. Default: false.
	AppScripting bool
	// TLS serves every data node and sentinel on TLS only (the plaintext port
	// is off), replication and Sentinel's links included. The stack's CA and
	// certificate (SANs: every announced host) are derived from Password, so
	// they are stable across updates and need no extra secret; clients get the
	// CA in REDIS_TLS_CA_CERT. Key: tls. Default: false.
	TLS bool
	// TLSMaterial is the certificate the user brings for TLS (see TLSMaterial);
	// without it the certificates are derived from Password.
	TLSMaterial TLSMaterial
	// Monitor is the always-on health and metrics process (see MonitorSettings).
	Monitor MonitorSettings
	// Docker holds settings only the Docker platform uses.
	Docker DockerSettings
	// Kubernetes holds settings only the Kubernetes platform uses.
	Kubernetes KubernetesSettings
}

// Timers are Sentinel's per-master timers; stages tune them (fast in staging,
// conservative in prod).
type Timers struct {
	// DownAfterMilliseconds is how long a node must be unreachable before a
	// sentinel considers it down. Key: downAfterMilliseconds. Default: 5000.
	DownAfterMilliseconds int `json:"downAfterMilliseconds"`
	// FailoverTimeoutMilliseconds bounds one failover attempt and spaces retries.
	// Key: failoverTimeoutMilliseconds. Default: 60000.
	FailoverTimeoutMilliseconds int `json:"failoverTimeoutMilliseconds"`
	// ParallelSyncs is how many replicas resync with a new master at once.
	// Key: parallelSyncs. Default: 1.
	ParallelSyncs int `json:"parallelSyncs"`
}

// WriteSafety maps to min-replicas-to-write / min-replicas-max-lag: a master
// cut off from its replicas stops accepting writes instead of losing them later.
type WriteSafety struct {
	// MinReplicasToWrite is how many replicas must be connected and fresh for the
	// master to accept writes; 0 disables the check. Key: minReplicasToWrite. Default: 0.
	MinReplicasToWrite int
	// MinReplicasMaxLagSeconds is the freshness bound for those replicas.
	// Key: minReplicasMaxLag. Default: 10.
	MinReplicasMaxLagSeconds int
}

// Persistence configures AOF on each data node's volume.
type Persistence struct {
	// AppendOnly enables the append-only file. Key: appendOnly. Default: true.
	AppendOnly *bool
	// AppendFsync is always, everysec or no. Key: appendFsync. Default: everysec.
	AppendFsync string
}

// Ports are the listening ports inside each container or pod.
type Ports struct {
	// Redis is the data nodes' port. Key: redisPort. Default: 6379.
	Redis int
	// Sentinel is the sentinels' port. Key: sentinelPort. Default: 26379.
	Sentinel int
}

// DockerSettings place the cluster on a Docker host.
type DockerSettings struct {
	// Subnet is the cluster network's IPv4 subnet; its first address is the
	// gateway every node announces and publishes its port on.
	// Key: dockerSubnet. Default: 172.28.0.0/24.
	Subnet string
	// NodePortBase is the host port of data node 0; node i gets NodePortBase+i.
	// Key: dockerNodePortBase. Default: 16379.
	NodePortBase int
	// SentinelPortBase is the host port of sentinel 0; sentinel i gets
	// SentinelPortBase+i. Key: dockerSentinelPortBase. Default: 36379.
	SentinelPortBase int
	// MonitorPort is the monitor's host port, published on 127.0.0.1 only.
	// Key: dockerMonitorPort. Default: dockerSentinelPortBase+99.
	MonitorPort int
}

// KubernetesSettings place the cluster in a Kubernetes namespace. The cluster
// itself (kubeconfig, context) is the kubernetes provider's config:
// `kubernetes:kubeconfig` / `kubernetes:context`, else $KUBECONFIG.
type KubernetesSettings struct {
	// Namespace holds every object. Key: kubernetesNamespace. Default: Name.
	Namespace string
	// CreateNamespace makes the component own the namespace (destroy deletes it).
	// Key: kubernetesCreateNamespace. Default: true.
	CreateNamespace *bool
	// ClusterDomain is the cluster's DNS domain, part of every announced name.
	// Key: kubernetesClusterDomain. Default: cluster.local.
	ClusterDomain string
	// StorageClass of each data node's and sentinel's volume claim; empty means
	// the cluster's default class. Key: kubernetesStorageClass. Default: "".
	StorageClass string
	// DataVolumeSize is each data node's claim (AOF and RDB).
	// Key: kubernetesDataVolumeSize. Default: 1Gi.
	DataVolumeSize string
	// AntiAffinity spreads pods of one role over nodes: required (never two on
	// one node; pods stay Pending instead), preferred, or none.
	// Key: kubernetesAntiAffinity. Default: required.
	AntiAffinity AntiAffinity
	// NodeResources and SentinelResources are each container's requests/limits.
	// Keys: kubernetesNodeCpu, kubernetesNodeMemory (defaults 250m, 512Mi),
	// kubernetesSentinelCpu, kubernetesSentinelMemory (defaults 50m, 64Mi).
	NodeResources     Resources
	SentinelResources Resources
	// ServiceMonitor adds a ServiceMonitor and a PrometheusRule for the
	// monitor (needs the Prometheus operator's CRDs).
	// Key: kubernetesServiceMonitor. Default: false.
	ServiceMonitor bool
	// TLSSecret names an existing Secret in Namespace with tls.crt, tls.key and
	// ca.crt (the layout cert-manager writes) that the pods mount as their TLS
	// files; the stack reads it at every preview and up to validate it and
	// publish its ca.crt, and keeps nothing else of it. Key: kubernetesTlsSecret.
	TLSSecret string
}

// AntiAffinity is how strictly pods of one role avoid sharing a Kubernetes node.
type AntiAffinity string

const (
	AntiAffinityRequired  AntiAffinity = "required"
	AntiAffinityPreferred AntiAffinity = "preferred"
	AntiAffinityNone      AntiAffinity = "none"
)

// Resources are one container's CPU request and memory request (= limit: a
// Redis that outgrows its memory should be killed, not swap or starve others).
// No CPU limit: throttling a master stalls heartbeats and invites failovers.
type Resources struct {
	CPU    string
	Memory string
}

// CreatesNamespace reports the effective CreateNamespace setting.
func (k KubernetesSettings) CreatesNamespace() bool {
	return k.CreateNamespace == nil || *k.CreateNamespace
}

// AppendOnlyEnabled reports the effective AOF setting.
func (p Persistence) AppendOnlyEnabled() bool { return p.AppendOnly == nil || *p.AppendOnly }
