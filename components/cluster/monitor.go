package cluster

// MonitorSettings configure the always-on monitor deployed with the cluster:
// `redis-sentinel serve` in its own container or pod, answering GET /health
// and GET /metrics for on-call and Prometheus.
type MonitorSettings struct {
	// Enabled deploys the monitor. Key: monitor. Default: true.
	Enabled *bool
	// Image holds the project's static binary at MonitorBinaryPath.
	// scripts/build-image.sh builds it locally; real users push it to their
	// registry. Key: monitorImage. Default: DefaultMonitorImage.
	Image string
}

// IsEnabled reports the effective Enabled setting.
func (m MonitorSettings) IsEnabled() bool { return m.Enabled == nil || *m.Enabled }

// The monitor's fixed parts, shared by both platforms.
const (
	// DefaultMonitorImage is the tag scripts/build-image.sh builds.
	DefaultMonitorImage = "redis-sentinel-monitor:local"
	// MonitorPort is the monitor's HTTP port inside its container or pod.
	MonitorPort = 9121
	// MonitorBinaryPath is the binary in the monitor image.
	MonitorBinaryPath = "/usr/local/bin/redis-sentinel"
	// MonitorTargetPath is the monitor's target file (render.MonitorTarget);
	// the password it names lives in MonitorPasswordPath.
	MonitorTargetPath   = "/etc/redis-sentinel/monitor.json"
	MonitorPasswordPath = "/etc/redis-sentinel/password"
	MonitorCACertPath   = "/etc/redis-sentinel/ca.crt"
	// MonitorKeyPrefix is where the monitor's round-trip check writes: with
	// ACL, the only keys its user may write.
	MonitorKeyPrefix = "redis-sentinel:monitor:"
	// MonitorUID runs the monitor: nobody, it needs no privileges.
	MonitorUID = 65534
)

// Config keys of the monitor.
const (
	KeyMonitor            = "monitor"
	KeyMonitorImage       = "monitorImage"
	KeyDockerMonitorPort  = "dockerMonitorPort"
	KeyKubeServiceMonitor = "kubernetesServiceMonitor"
)

// Stack outputs of the monitor ("" when it is off).
const (
	OutputHealthURL  = "healthUrl"
	OutputMetricsURL = "metricsUrl"
)

// MonitorName is the monitor's container, Deployment and Service name.
func (s Spec) MonitorName() string { return s.Name + "-monitor" }

// MonitorUser is who the monitor authenticates as: its own ACL user (reads,
// plus writes under MonitorKeyPrefix) with ACL, else the default user.
func (s Spec) MonitorUser() User {
	if s.ACL {
		return UserMonitor
	}
	return UserDefault
}

// defaultDockerMonitorPort is the last port of the sentinels' block of a
// hundred, so stacks spaced like local/staging (and the test slots) never
// collide.
func defaultDockerMonitorPort(sentinelPortBase int) int { return sentinelPortBase + 99 }

// MonitorEndpoint is where the monitor is reached from outside it: the host's
// loopback on Docker (host-local only), the Service's DNS name on Kubernetes.
func (s Spec) MonitorEndpoint() Endpoint {
	if s.Platform == PlatformKubernetes {
		return Endpoint{Host: s.MonitorName() + "." + s.Kubernetes.Namespace + ".svc." + s.Kubernetes.ClusterDomain, Port: MonitorPort}
	}
	return Endpoint{Host: "127.0.0.1", Port: s.Docker.MonitorPort}
}

// MonitorURLs are the health and metrics URLs ("" when the monitor is off).
func (s Spec) MonitorURLs() (health, metrics string) {
	if !s.Monitor.IsEnabled() {
		return "", ""
	}
	base := "http://" + s.MonitorEndpoint().String()
	return base + "/health", base + "/metrics"
}

// MonitorTarget is the monitor's target file: what to watch and how to log
// in. It holds no secret: the password is in PasswordFile, the CA in
// TLSCACertFile.
type MonitorTarget struct {
	Cluster    string   `json:"cluster"`
	Mode       Mode     `json:"mode"`
	MasterName string   `json:"masterName,omitempty"`
	Sentinels  []string `json:"sentinels,omitempty"`
	Nodes      []string `json:"nodes"`
	// Username is "" for the default user (no ACL).
	Username      string `json:"username,omitempty"`
	PasswordFile  string `json:"passwordFile"`
	TLSCACertFile string `json:"tlsCaCertFile,omitempty"`
	KeyPrefix     string `json:"keyPrefix"`
	// Replicas and MinReplicasToWrite are what the stack configures: the
	// checks expect the one, the alerts compare with the other. Sentinel's
	// timers are not here: retuning them live (no restart) would otherwise
	// replace the monitor; `redis-sentinel verify --stack` checks them.
	Replicas           int `json:"replicas"`
	MinReplicasToWrite int `json:"minReplicasToWrite"`
}

// MonitorTargetFor is the target file of the stack's monitor.
func MonitorTargetFor(s Spec, l Layout) MonitorTarget {
	t := MonitorTarget{
		Cluster: s.Name, Mode: s.Mode, PasswordFile: MonitorPasswordPath, KeyPrefix: MonitorKeyPrefix,
		Replicas: s.Replicas, MinReplicasToWrite: s.WriteSafety.MinReplicasToWrite,
	}
	if s.ACL {
		t.Username = string(UserMonitor)
	}
	if s.TLS {
		t.TLSCACertFile = MonitorCACertPath
	}
	for _, n := range l.Nodes {
		t.Nodes = append(t.Nodes, n.String())
	}
	if s.Mode == ModeSentinel {
		t.MasterName, t.Sentinels = s.MasterName, l.SentinelAddrs()
	}
	return t
}
