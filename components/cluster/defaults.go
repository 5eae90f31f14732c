package cluster

// Defaults used by SetDefaults; exported so docs and tests name them once.
const (
	DefaultMasterName                  = "mymaster"
	DefaultReplicas                    = 2
	DefaultSentinels                   = 3
	DefaultDownAfterMilliseconds       = 5000
	DefaultFailoverTimeoutMilliseconds = 60000
	DefaultParallelSyncs               = 1
	DefaultMinReplicasMaxLagSeconds    = 10
	DefaultAppendFsync                 = "everysec"
	DefaultImage                       = "redis:7.2"
	DefaultRedisPort                   = 6379
	DefaultSentinelPort                = 26379
	DefaultDockerSubnet                = "172.28.0.0/24"
	DefaultDockerNodePortBase          = 16379
	DefaultDockerSentinelPortBase      = 36379
	DefaultKubernetesClusterDomain     = "cluster.local"
	DefaultKubernetesDataVolumeSize    = "1Gi"
	DefaultKubernetesAntiAffinity      = AntiAffinityRequired
	DefaultKubernetesNodeCPU           = "250m"
	DefaultKubernetesNodeMemory        = "512Mi"
	DefaultKubernetesSentinelCPU       = "50m"
	DefaultKubernetesSentinelMemory    = "64Mi"
)

// SetDefaults returns a copy of s with every unset field filled in. It never
// validates: call Validate on the result.
func SetDefaults(s Spec, stack string) Spec {
	if s.Name == "" {
		s.Name = "redis-" + stack
	}
	if s.Platform == "" {
		s.Platform = PlatformDocker
	}
	if s.Mode == "" {
		s.Mode = ModeSentinel
	}
	if s.MasterName == "" {
		s.MasterName = DefaultMasterName
	}
	if s.Mode == ModeStandalone {
		s.Replicas, s.Sentinels, s.Quorum = 0, 0, 0
	} else {
		s.Replicas = orDefault(s.Replicas, DefaultReplicas)
		s.Sentinels = orDefault(s.Sentinels, DefaultSentinels)
		s.Quorum = orDefault(s.Quorum, Majority(s.Sentinels))
	}
	s.Timers.DownAfterMilliseconds = orDefault(s.Timers.DownAfterMilliseconds, DefaultDownAfterMilliseconds)
	s.Timers.FailoverTimeoutMilliseconds = orDefault(s.Timers.FailoverTimeoutMilliseconds, DefaultFailoverTimeoutMilliseconds)
	s.Timers.ParallelSyncs = orDefault(s.Timers.ParallelSyncs, DefaultParallelSyncs)
	s.WriteSafety.MinReplicasMaxLagSeconds = orDefault(s.WriteSafety.MinReplicasMaxLagSeconds, DefaultMinReplicasMaxLagSeconds)
	if s.Persistence.AppendOnly == nil {
		enabled := true
		s.Persistence.AppendOnly = &enabled
	}
	if s.Persistence.AppendFsync == "" {
		s.Persistence.AppendFsync = DefaultAppendFsync
	}
	if s.Image == "" {
		s.Image = DefaultImage
	}
	s.Ports.Redis = orDefault(s.Ports.Redis, DefaultRedisPort)
	s.Ports.Sentinel = orDefault(s.Ports.Sentinel, DefaultSentinelPort)
	if s.Docker.Subnet == "" {
		s.Docker.Subnet = DefaultDockerSubnet
	}
	s.Docker.NodePortBase = orDefault(s.Docker.NodePortBase, DefaultDockerNodePortBase)
	s.Docker.SentinelPortBase = orDefault(s.Docker.SentinelPortBase, DefaultDockerSentinelPortBase)
	s.Docker.MonitorPort = orDefault(s.Docker.MonitorPort, defaultDockerMonitorPort(s.Docker.SentinelPortBase))
	s.Monitor.Image = orDefaultString(s.Monitor.Image, DefaultMonitorImage)
	if s.Monitor.Enabled == nil {
		enabled := true
		s.Monitor.Enabled = &enabled
	}
	s.Kubernetes = kubernetesDefaults(s.Kubernetes, s.Name)
	return s
}

func kubernetesDefaults(k KubernetesSettings, name string) KubernetesSettings {
	if k.Namespace == "" {
		k.Namespace = name
	}
	if k.CreateNamespace == nil {
		create := true
		k.CreateNamespace = &create
	}
	k.ClusterDomain = orDefaultString(k.ClusterDomain, DefaultKubernetesClusterDomain)
	k.DataVolumeSize = orDefaultString(k.DataVolumeSize, DefaultKubernetesDataVolumeSize)
	k.AntiAffinity = AntiAffinity(orDefaultString(string(k.AntiAffinity), string(DefaultKubernetesAntiAffinity)))
	k.NodeResources.CPU = orDefaultString(k.NodeResources.CPU, DefaultKubernetesNodeCPU)
	k.NodeResources.Memory = orDefaultString(k.NodeResources.Memory, DefaultKubernetesNodeMemory)
	k.SentinelResources.CPU = orDefaultString(k.SentinelResources.CPU, DefaultKubernetesSentinelCPU)
	k.SentinelResources.Memory = orDefaultString(k.SentinelResources.Memory, DefaultKubernetesSentinelMemory)
	return k
}

func orDefaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Majority is the smallest number of sentinels that is more than half of n.
func Majority(n int) int { return n/2 + 1 }

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
