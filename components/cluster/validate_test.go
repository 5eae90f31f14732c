package cluster_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

const testPassword = "a-strong-password-123"

// validSpec is the defaulted spec every case starts from; it must pass Validate.
func validSpec() cluster.Spec {
	return cluster.SetDefaults(cluster.Spec{Password: testPassword}, "test")
}

// problems returns the problems of an *InvalidSpecError, failing the test if
// err is anything else.
func problems(t *testing.T, err error) []cluster.Problem {
	t.Helper()
	var invalid *cluster.InvalidSpecError
	if !errors.As(err, &invalid) {
		t.Fatalf("Validate() = %v, want *cluster.InvalidSpecError", err)
	}
	return invalid.Problems
}

func problemKeys(ps []cluster.Problem) []string {
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.Key
	}
	return keys
}

// kube mutates the Kubernetes settings of a spec moved to the kubernetes platform.
func kube(mutate func(*cluster.KubernetesSettings)) func(*cluster.Spec) {
	return func(s *cluster.Spec) {
		s.Platform = cluster.PlatformKubernetes
		mutate(&s.Kubernetes)
	}
}

func TestValidate_RejectsEachRule(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*cluster.Spec)
		// keys are every problem's key, in order; the first names the rule under test.
		keys []string
		rule string
	}{
		{"name uppercase", func(s *cluster.Spec) { s.Name = "Redis-Test" }, []string{cluster.KeyName}, "lowercase"},
		{"name ends with dash", func(s *cluster.Spec) { s.Name = "redis-" }, []string{cluster.KeyName}, "ending alphanumeric"},
		{"name too long", func(s *cluster.Spec) { s.Name = strings.Repeat("a", 41) }, []string{cluster.KeyName}, "1-40"},
		{"name with underscore", func(s *cluster.Spec) { s.Name = "redis_test" }, []string{cluster.KeyName}, "lowercase"},
		{"unknown platform", func(s *cluster.Spec) { s.Platform = "aws" }, []string{cluster.KeyPlatform}, `unknown platform "aws"`},
		{"unknown mode", func(s *cluster.Spec) { s.Mode = "cluster" }, []string{cluster.KeyMode}, `unknown mode "cluster"`},
		{"app scripting without acl", func(s *cluster.Spec) { s.AppScripting = true }, []string{cluster.KeyAppScripting}, "needs acl"},
		{"master name with space", func(s *cluster.Spec) { s.MasterName = "my master" }, []string{cluster.KeyMasterName}, "1-64 letters"},
		// Only replicas is reported, not the minReplicasToWrite bound it breaks.
		{"replicas negative", func(s *cluster.Spec) { s.Replicas = -1 }, []string{cluster.KeyReplicas}, "at least 1 in sentinel mode, got -1"},
		{"sentinels below 3", func(s *cluster.Spec) { s.Sentinels = 2 }, []string{cluster.KeySentinels}, "at least 3"},
		{"quorum above sentinels", func(s *cluster.Spec) { s.Quorum = 4 }, []string{cluster.KeyQuorum}, "larger than sentinels (3)"},
		{"quorum below majority", func(s *cluster.Spec) { s.Quorum = 1 }, []string{cluster.KeyQuorum}, "below a majority"},
		{"quorum below majority of 5", func(s *cluster.Spec) { s.Sentinels, s.Quorum = 5, 2 }, []string{cluster.KeyQuorum}, "majority of 5 sentinels (3)"},
		{"down-after below 100", func(s *cluster.Spec) { s.Timers.DownAfterMilliseconds = 99 }, []string{cluster.KeyDownAfter}, "at least 100, got 99"},
		{"failover timeout below 1000", func(s *cluster.Spec) { s.Timers.FailoverTimeoutMilliseconds = 999 }, []string{cluster.KeyFailoverTimeout}, "at least 1000, got 999"},
		{"parallel syncs zero", func(s *cluster.Spec) { s.Timers.ParallelSyncs = 0 }, []string{cluster.KeyParallelSyncs}, "at least 1, got 0"},
		{"parallel syncs negative", func(s *cluster.Spec) { s.Timers.ParallelSyncs = -2 }, []string{cluster.KeyParallelSyncs}, "got -2"},
		{"min replicas to write negative", func(s *cluster.Spec) { s.WriteSafety.MinReplicasToWrite = -1 }, []string{cluster.KeyMinReplicasToWrite}, "between 0 and replicas (2)"},
		{"min replicas to write above replicas", func(s *cluster.Spec) { s.WriteSafety.MinReplicasToWrite = 3 }, []string{cluster.KeyMinReplicasToWrite}, "got 3"},
		{"min replicas max lag zero", func(s *cluster.Spec) { s.WriteSafety.MinReplicasMaxLagSeconds = 0 }, []string{cluster.KeyMinReplicasMaxLag}, "at least 1 second"},
		{"append fsync invalid", func(s *cluster.Spec) { s.Persistence.AppendFsync = "sometimes" }, []string{cluster.KeyAppendFsync}, `"sometimes" is not always, everysec or no`},
		{"image empty", func(s *cluster.Spec) { s.Image = "" }, []string{cluster.KeyImage}, "non-empty"},
		{"image with space", func(s *cluster.Spec) { s.Image = "redis 7" }, []string{cluster.KeyImage}, "without spaces"},
		{"image with tab", func(s *cluster.Spec) { s.Image = "redis\t7" }, []string{cluster.KeyImage}, "without spaces"},
		{"redis port zero", func(s *cluster.Spec) { s.Ports.Redis = 0 }, []string{cluster.KeyRedisPort}, "0 is not a port"},
		{"redis port too high", func(s *cluster.Spec) { s.Ports.Redis = 70000 }, []string{cluster.KeyRedisPort}, "70000 is not a port"},
		{"sentinel port negative", func(s *cluster.Spec) { s.Ports.Sentinel = -1 }, []string{cluster.KeySentinelPort}, "-1 is not a port"},
		{"sentinel port too high", func(s *cluster.Spec) { s.Ports.Sentinel = 65536 }, []string{cluster.KeySentinelPort}, "65536 is not a port"},
		{"redis port equals sentinel port", func(s *cluster.Spec) { s.Ports.Sentinel = s.Ports.Redis }, []string{cluster.KeySentinelPort}, "must differ from redisPort"},
		{"password empty", func(s *cluster.Spec) { s.Password = "" }, []string{cluster.KeyPassword}, "is required"},
		{"password 15 characters", func(s *cluster.Spec) { s.Password = "abcdefghijklmno" }, []string{cluster.KeyPassword}, "at least 16 characters"},
		{"password few distinct characters", func(s *cluster.Spec) { s.Password = strings.Repeat("abcde", 4) }, []string{cluster.KeyPassword}, "6 different characters"},
		{"password with newline", func(s *cluster.Spec) { s.Password = "a-strong-password\n123" }, []string{cluster.KeyPassword}, "line breaks"},
		{"password with carriage return", func(s *cluster.Spec) { s.Password = "a-strong-password\r123" }, []string{cluster.KeyPassword}, "line breaks"},
		{"password with NUL", func(s *cluster.Spec) { s.Password = "a-strong-password\x00123" }, []string{cluster.KeyPassword}, "NUL"},
		{"docker subnet not a CIDR", func(s *cluster.Spec) { s.Docker.Subnet = "not-a-subnet" }, []string{cluster.KeyDockerSubnet}, "is not a CIDR subnet"},
		{"docker subnet without prefix length", func(s *cluster.Spec) { s.Docker.Subnet = "172.28.0.0" }, []string{cluster.KeyDockerSubnet}, "is not a CIDR subnet"},
		{"docker subnet IPv6", func(s *cluster.Spec) { s.Docker.Subnet = "fd00:28::/64" }, []string{cluster.KeyDockerSubnet}, "must be an IPv4 subnet"},
		{"docker subnet /30", func(s *cluster.Spec) { s.Docker.Subnet = "172.28.0.0/30" }, []string{cluster.KeyDockerSubnet}, "/29 or larger"},
		{"docker subnet host bits set", func(s *cluster.Spec) { s.Docker.Subnet = "172.28.0.5/24" }, []string{cluster.KeyDockerSubnet}, "did you mean 172.28.0.0/24"},
		{"docker node ports below 1024", func(s *cluster.Spec) { s.Docker.NodePortBase = 1023 }, []string{cluster.KeyDockerNodePortBase}, "1023-1025 must lie within 1024-65535"},
		{"docker node ports above 65535", func(s *cluster.Spec) { s.Docker.NodePortBase = 65534 }, []string{cluster.KeyDockerNodePortBase}, "65534-65536"},
		{"docker sentinel ports below 1024", func(s *cluster.Spec) { s.Docker.SentinelPortBase = 80 }, []string{cluster.KeyDockerSentinelPortBase}, "80-82 must lie within"},
		{"docker sentinel ports above 65535", func(s *cluster.Spec) { s.Docker.SentinelPortBase = 65534 }, []string{cluster.KeyDockerSentinelPortBase}, "65534-65536"},
		{"docker sentinel ports overlap nodes from above", func(s *cluster.Spec) { s.Docker.SentinelPortBase = 16381 }, []string{cluster.KeyDockerSentinelPortBase}, "16381-16383 overlap the data nodes' 16379-16381"},
		{"docker node ports overlap sentinels from below", func(s *cluster.Spec) { s.Docker.NodePortBase = 36377 }, []string{cluster.KeyDockerSentinelPortBase}, "overlap the data nodes' 36377-36379"},
		{"kubernetes namespace uppercase", kube(func(k *cluster.KubernetesSettings) { k.Namespace = "Prod" }), []string{cluster.KeyKubeNamespace}, `"Prod" is not a DNS label`},
		{"kubernetes namespace too long", kube(func(k *cluster.KubernetesSettings) { k.Namespace = strings.Repeat("a", 64) }), []string{cluster.KeyKubeNamespace}, "at most 63"},
		{"kubernetes cluster domain with underscore", kube(func(k *cluster.KubernetesSettings) { k.ClusterDomain = "cluster_local" }), []string{cluster.KeyKubeClusterDomain}, "not a DNS domain"},
		{"kubernetes storage class with space", kube(func(k *cluster.KubernetesSettings) { k.StorageClass = "fast ssd" }), []string{cluster.KeyKubeStorageClass}, "not a StorageClass name"},
		{"kubernetes anti-affinity unknown", kube(func(k *cluster.KubernetesSettings) { k.AntiAffinity = "soft" }), []string{cluster.KeyKubeAntiAffinity}, `unknown value "soft"`},
		{"kubernetes volume size malformed", kube(func(k *cluster.KubernetesSettings) { k.DataVolumeSize = "1 GB" }), []string{cluster.KeyKubeDataVolumeSize}, "not a Kubernetes quantity"},
		{"kubernetes node cpu zero", kube(func(k *cluster.KubernetesSettings) { k.NodeResources.CPU = "0" }), []string{cluster.KeyKubeNodeCPU}, "must be positive"},
		{"kubernetes node memory negative", kube(func(k *cluster.KubernetesSettings) { k.NodeResources.Memory = "-1Gi" }), []string{cluster.KeyKubeNodeMemory}, "must be positive"},
		{"kubernetes sentinel cpu malformed", kube(func(k *cluster.KubernetesSettings) { k.SentinelResources.CPU = "fast" }), []string{cluster.KeyKubeSentinelCPU}, "not a Kubernetes quantity"},
		{"kubernetes sentinel memory malformed", kube(func(k *cluster.KubernetesSettings) { k.SentinelResources.Memory = "64MB" }), []string{cluster.KeyKubeSentinelMemory}, "not a Kubernetes quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSpec()
			tt.mutate(&s)
			ps := problems(t, cluster.Validate(s))
			if got := problemKeys(ps); !slices.Equal(got, tt.keys) {
				t.Fatalf("problem keys = %q, want %q (problems: %v)", got, tt.keys, ps)
			}
			if !strings.Contains(ps[0].Rule, tt.rule) {
				t.Errorf("rule = %q, want it to contain %q", ps[0].Rule, tt.rule)
			}
		})
	}
}

func TestValidate_AcceptsBoundaries(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*cluster.Spec)
	}{
		{"defaults", func(*cluster.Spec) {}},
		{"name of 40 characters", func(s *cluster.Spec) { s.Name = strings.Repeat("a", 40) }},
		{"name of 1 character", func(s *cluster.Spec) { s.Name = "r" }},
		{"quorum equal to sentinels", func(s *cluster.Spec) { s.Quorum = 3 }},
		{"five sentinels quorum three", func(s *cluster.Spec) { s.Sentinels, s.Quorum = 5, 3 }},
		{"one replica", func(s *cluster.Spec) { s.Replicas = 1 }},
		{"timers at their minimum", func(s *cluster.Spec) {
			s.Timers = cluster.Timers{DownAfterMilliseconds: 100, FailoverTimeoutMilliseconds: 1000, ParallelSyncs: 1}
		}},
		{"min replicas to write equal to replicas", func(s *cluster.Spec) { s.WriteSafety.MinReplicasToWrite = 2 }},
		{"append fsync always", func(s *cluster.Spec) { s.Persistence.AppendFsync = "always" }},
		{"append fsync no", func(s *cluster.Spec) { s.Persistence.AppendFsync = "no" }},
		{"password of exactly 16 characters", func(s *cluster.Spec) { s.Password = "abcdefghijklmnop" }},
		{"password with shell and config metacharacters", func(s *cluster.Spec) { s.Password = `it's "quoted" \ $HOME #x` }},
		{"docker subnet /29", func(s *cluster.Spec) { s.Docker.Subnet = "10.10.10.8/29" }},
		{"docker port ranges at the edges", func(s *cluster.Spec) { s.Docker.NodePortBase, s.Docker.SentinelPortBase = 1024, 65533 }},
		{"docker ranges adjacent", func(s *cluster.Spec) { s.Docker.SentinelPortBase = 16382 }},
		{"kubernetes ignores docker settings", func(s *cluster.Spec) {
			s.Platform = cluster.PlatformKubernetes
			s.Docker = cluster.DockerSettings{Subnet: "bogus", NodePortBase: 1, SentinelPortBase: 1}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSpec()
			tt.mutate(&s)
			if err := cluster.Validate(s); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidate_ReportsEveryProblemAtOnce(t *testing.T) {
	s := validSpec()
	s.Name = "Bad_Name"
	s.Quorum = 1
	s.Password = ""
	s.Image = ""
	s.Docker.Subnet = "nope"
	err := cluster.Validate(s)
	ps := problems(t, err)
	want := []string{cluster.KeyName, cluster.KeyQuorum, cluster.KeyImage, cluster.KeyPassword, cluster.KeyDockerSubnet}
	if got := problemKeys(ps); !slices.Equal(got, want) {
		t.Fatalf("problem keys = %q, want %q", got, want)
	}
	for _, p := range ps {
		if !strings.Contains(err.Error(), p.String()) {
			t.Errorf("Error() = %q, want it to list %q", err.Error(), p.String())
		}
	}
}

func TestValidate_DoesNotMutateSpec(t *testing.T) {
	s := validSpec()
	s.Replicas = -1
	s.Docker.Subnet = "172.28.0.5/24"
	before := s
	enabled := *s.Persistence.AppendOnly
	if err := cluster.Validate(s); err == nil {
		t.Fatal("Validate() = nil, want an error for the invalid spec")
	}
	if !reflect.DeepEqual(s, before) {
		t.Errorf("Validate changed the spec:\n got %+v\nwant %+v", s, before)
	}
	if *s.Persistence.AppendOnly != enabled {
		t.Error("Validate changed *Persistence.AppendOnly")
	}
}

func TestValidate_StandaloneWithoutSentinels(t *testing.T) {
	tests := []struct {
		name string
		spec cluster.Spec
	}{
		{"defaulted", cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test")},
		{"sentinel settings zeroed by hand", func() cluster.Spec {
			s := validSpec()
			s.Mode, s.Replicas, s.Sentinels, s.Quorum = cluster.ModeStandalone, 0, 0, 0
			return s
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.spec.Sentinels != 0 {
				t.Fatalf("Sentinels = %d, want 0", tt.spec.Sentinels)
			}
			if err := cluster.Validate(tt.spec); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidate_UndefaultedSpec(t *testing.T) {
	// Zero replicas only become 2 through SetDefaults; Validate alone rejects them.
	s := validSpec()
	s.Replicas = 0
	ps := problems(t, cluster.Validate(s))
	if got := problemKeys(ps); !slices.Equal(got, []string{cluster.KeyReplicas}) {
		t.Fatalf("problem keys = %q, want [replicas]", got)
	}
	if err := cluster.Validate(cluster.Spec{}); err == nil {
		t.Fatal("Validate(Spec{}) = nil, want problems")
	}
}
