package cluster_test

import (
	"reflect"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

func boolPtr(v bool) *bool { return &v }

func TestSetDefaults_FillsEveryUnsetField(t *testing.T) {
	got := cluster.SetDefaults(cluster.Spec{Password: testPassword}, "test")
	want := cluster.Spec{
		Name:       "redis-test",
		Platform:   cluster.PlatformDocker,
		Mode:       cluster.ModeSentinel,
		MasterName: "mymaster",
		Replicas:   2,
		Sentinels:  3,
		Quorum:     2,
		Timers: cluster.Timers{
			DownAfterMilliseconds:       5000,
			FailoverTimeoutMilliseconds: 60000,
			ParallelSyncs:               1,
		},
		WriteSafety: cluster.WriteSafety{MinReplicasToWrite: 0, MinReplicasMaxLagSeconds: 10},
		Persistence: cluster.Persistence{AppendOnly: boolPtr(true), AppendFsync: "everysec"},
		Image:       "redis:7.2",
		Ports:       cluster.Ports{Redis: 6379, Sentinel: 26379},
		Password:    testPassword,
		Monitor:     cluster.MonitorSettings{Enabled: boolPtr(true), Image: "redis-sentinel-monitor:local"},
		Docker:      cluster.DockerSettings{Subnet: "172.28.0.0/24", NodePortBase: 16379, SentinelPortBase: 36379, MonitorPort: 36478},
		Kubernetes: cluster.KubernetesSettings{
			Namespace: "redis-test", CreateNamespace: boolPtr(true), ClusterDomain: "cluster.local",
			DataVolumeSize: "1Gi", AntiAffinity: cluster.AntiAffinityRequired,
			NodeResources:     cluster.Resources{CPU: "250m", Memory: "512Mi"},
			SentinelResources: cluster.Resources{CPU: "50m", Memory: "64Mi"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SetDefaults() =\n%+v\nwant\n%+v", got, want)
	}
	if err := cluster.Validate(got); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestSetDefaults_KeepsExplicitValues(t *testing.T) {
	explicit := cluster.Spec{
		Name:        "cache",
		Platform:    cluster.PlatformKubernetes,
		Mode:        cluster.ModeSentinel,
		MasterName:  "primary",
		Replicas:    4,
		Sentinels:   5,
		Quorum:      4,
		Timers:      cluster.Timers{DownAfterMilliseconds: 1000, FailoverTimeoutMilliseconds: 10000, ParallelSyncs: 2},
		WriteSafety: cluster.WriteSafety{MinReplicasToWrite: 1, MinReplicasMaxLagSeconds: 5},
		// false must survive: nil, not false, means "use the default".
		Persistence: cluster.Persistence{AppendOnly: boolPtr(false), AppendFsync: "always"},
		Image:       "registry.example/redis:7.0",
		Ports:       cluster.Ports{Redis: 7000, Sentinel: 27000},
		Password:    testPassword,
		Monitor:     cluster.MonitorSettings{Enabled: boolPtr(false), Image: "registry.example/redis-sentinel-monitor:1"},
		Docker:      cluster.DockerSettings{Subnet: "10.9.0.0/16", NodePortBase: 20000, SentinelPortBase: 30000, MonitorPort: 9100},
		Kubernetes: cluster.KubernetesSettings{
			Namespace: "data", CreateNamespace: boolPtr(false), ClusterDomain: "corp.internal",
			StorageClass: "fast-ssd", DataVolumeSize: "10Gi", AntiAffinity: cluster.AntiAffinityPreferred,
			NodeResources:     cluster.Resources{CPU: "1", Memory: "2Gi"},
			SentinelResources: cluster.Resources{CPU: "100m", Memory: "128Mi"},
			ServiceMonitor:    true,
		},
	}
	got := cluster.SetDefaults(explicit, "test")
	if !reflect.DeepEqual(got, explicit) {
		t.Errorf("SetDefaults() =\n%+v\nwant the explicit spec unchanged\n%+v", got, explicit)
	}
	if got.Persistence.AppendOnlyEnabled() {
		t.Error("AppendOnlyEnabled() = true, want false as set")
	}
}

func TestSetDefaults_StandaloneZeroesSentinelSettings(t *testing.T) {
	got := cluster.SetDefaults(cluster.Spec{
		Mode: cluster.ModeStandalone, Replicas: 2, Sentinels: 3, Quorum: 2, Password: testPassword,
	}, "test")
	if got.Replicas != 0 || got.Sentinels != 0 || got.Quorum != 0 {
		t.Errorf("replicas/sentinels/quorum = %d/%d/%d, want 0/0/0", got.Replicas, got.Sentinels, got.Quorum)
	}
	if got.DataNodeCount() != 1 {
		t.Errorf("DataNodeCount() = %d, want 1", got.DataNodeCount())
	}
	if err := cluster.Validate(got); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
}

func TestSetDefaults_QuorumDefaultsToMajority(t *testing.T) {
	tests := []struct {
		name       string
		sentinels  int
		quorum     int
		wantQuorum int
	}{
		{"default sentinels", 0, 0, 2},
		{"three sentinels", 3, 0, 2},
		{"four sentinels", 4, 0, 3},
		{"five sentinels", 5, 0, 3},
		{"seven sentinels", 7, 0, 4},
		{"explicit quorum kept", 5, 4, 4},
		{"explicit weak quorum kept for Validate to reject", 5, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cluster.SetDefaults(cluster.Spec{Sentinels: tt.sentinels, Quorum: tt.quorum}, "test")
			if got.Quorum != tt.wantQuorum {
				t.Errorf("Quorum = %d, want %d", got.Quorum, tt.wantQuorum)
			}
		})
	}
}

func TestSetDefaults_ZeroBecomesDefault(t *testing.T) {
	// 0 is "unset": replicas 0 becomes 2, so a user cannot ask for zero
	// replicas in sentinel mode; negative values pass through to Validate.
	got := cluster.SetDefaults(cluster.Spec{Replicas: 0}, "test")
	if got.Replicas != cluster.DefaultReplicas {
		t.Errorf("Replicas = %d, want %d", got.Replicas, cluster.DefaultReplicas)
	}
	got = cluster.SetDefaults(cluster.Spec{Replicas: -1}, "test")
	if got.Replicas != -1 {
		t.Errorf("Replicas = %d, want -1 kept for Validate", got.Replicas)
	}
}

func TestSetDefaults_DoesNotMutateInput(t *testing.T) {
	in := cluster.Spec{Password: testPassword}
	_ = cluster.SetDefaults(in, "test")
	if !reflect.DeepEqual(in, cluster.Spec{Password: testPassword}) {
		t.Errorf("SetDefaults changed its input: %+v", in)
	}
}

func TestMajority_SmallestMoreThanHalf(t *testing.T) {
	tests := []struct{ n, want int }{{1, 1}, {2, 2}, {3, 2}, {4, 3}, {5, 3}, {6, 4}, {7, 4}}
	for _, tt := range tests {
		if got := cluster.Majority(tt.n); got != tt.want {
			t.Errorf("Majority(%d) = %d, want %d", tt.n, got, tt.want)
		}
	}
}
