package stack_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/pulumimock"
	"github.com/platform-team/redis-sentinel/stack"
)

const testPassword = "a-strong-password-123"

// resourceNames lists what the program registered as "type::name", sorted.
func resourceNames(rec *pulumimock.Recorder) []string {
	var names []string
	for _, r := range rec.Resources() {
		names = append(names, r.Type+"::"+r.Name)
	}
	slices.Sort(names)
	return names
}

// run runs body under recording mocks with the stack's config (the password
// secret, as `pulumi config set --secret` makes it); the settings job reports
// exit code 0.
func run(t *testing.T, config map[string]string, body pulumi.RunFunc) (*pulumimock.Recorder, error) {
	t.Helper()
	rec := &pulumimock.Recorder{State: map[string]resource.PropertyMap{
		"docker:index/container:Container": {"exitCode": resource.NewProperty(0.0)},
	}}
	err := pulumi.RunErr(body, pulumi.WithMocks("redis-sentinel", "test", rec),
		pulumimock.Config(stack.ConfigNamespace, config, cluster.SecretKeys...), pulumimock.ProviderConfig(stack.ProviderSettings))
	return rec, err
}

func TestProgram_InvalidConfigCreatesNothing(t *testing.T) {
	tests := []struct {
		name     string
		config   map[string]string
		wantKeys []string
	}{
		{
			name:     "semantic problems",
			config:   map[string]string{cluster.KeyReplicas: "-1", cluster.KeyQuorum: "1", cluster.KeyPassword: "weak"},
			wantKeys: []string{cluster.KeyReplicas, cluster.KeyQuorum, cluster.KeyPassword},
		},
		{
			name:     "explicit zero where zero means nothing",
			config:   map[string]string{cluster.KeyReplicas: "0", cluster.KeyParallelSyncs: "0", cluster.KeyPassword: testPassword},
			wantKeys: []string{cluster.KeyReplicas, cluster.KeyParallelSyncs},
		},
		{
			name:     "missing password",
			config:   map[string]string{},
			wantKeys: []string{cluster.KeyPassword},
		},
		{
			name:     "non-integer replicas",
			config:   map[string]string{cluster.KeyReplicas: "two", cluster.KeyPassword: testPassword},
			wantKeys: []string{cluster.KeyReplicas},
		},
		{
			name: "every malformed value at once",
			config: map[string]string{
				cluster.KeyReplicas: "two", cluster.KeySentinels: "3.5", cluster.KeyAppendOnly: "maybe",
				cluster.KeyDockerNodePortBase: "16k", cluster.KeyPassword: testPassword,
			},
			wantKeys: []string{cluster.KeyReplicas, cluster.KeySentinels, cluster.KeyAppendOnly, cluster.KeyDockerNodePortBase},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := run(t, tt.config, stack.Program)
			if err == nil {
				t.Fatal("Program succeeded, want an error")
			}
			var invalid *cluster.InvalidSpecError
			if !errors.As(err, &invalid) {
				t.Fatalf("error %v is not a *cluster.InvalidSpecError", err)
			}
			var keys []string
			for _, p := range invalid.Problems {
				keys = append(keys, p.Key)
			}
			if !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("problem keys = %q, want %q", keys, tt.wantKeys)
			}
			for _, key := range tt.wantKeys {
				if !strings.Contains(err.Error(), key+": ") {
					t.Errorf("error %q does not name %s", err, key)
				}
			}
			if got := resourceNames(m); len(got) != 0 {
				t.Errorf("invalid config created resources: %q", got)
			}
		})
	}
}

func TestLoadSpec_NonIntegerNamesValue(t *testing.T) {
	_, err := run(t, map[string]string{cluster.KeyReplicas: "two", cluster.KeyPassword: testPassword}, func(ctx *pulumi.Context) error {
		_, err := stack.LoadSpec(ctx)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), `replicas: "two" is not an integer`) {
		t.Fatalf("LoadSpec error = %v, want replicas: \"two\" is not an integer", err)
	}
}

func TestLoadSpec_ReadsAndDefaults(t *testing.T) {
	off := false
	tests := []struct {
		name   string
		config map[string]string
		want   cluster.Spec
	}{
		{
			name:   "password only",
			config: map[string]string{cluster.KeyPassword: testPassword},
			want:   cluster.SetDefaults(cluster.Spec{Password: testPassword}, "test"),
		},
		{
			name: "every key",
			config: map[string]string{
				cluster.KeyName: "cache", cluster.KeyPlatform: "docker", cluster.KeyMode: "sentinel",
				cluster.KeyMasterName: "primary", cluster.KeyReplicas: "4", cluster.KeySentinels: "5",
				cluster.KeyQuorum: "4", cluster.KeyDownAfter: "1000", cluster.KeyFailoverTimeout: "10000",
				cluster.KeyParallelSyncs: "2", cluster.KeyMinReplicasToWrite: "1", cluster.KeyMinReplicasMaxLag: "5",
				cluster.KeyAppendOnly: "false", cluster.KeyAppendFsync: "always", cluster.KeyImage: "redis:7.0",
				cluster.KeyRedisPort: "7000", cluster.KeySentinelPort: "27000", cluster.KeyPassword: testPassword,
				cluster.KeyDockerSubnet: "10.9.0.0/16", cluster.KeyDockerNodePortBase: "20000",
				cluster.KeyDockerSentinelPortBase: "30000", cluster.KeyDockerMonitorPort: "9100",
				cluster.KeyMonitor: "false", cluster.KeyMonitorImage: "registry.example/monitor:1",
				cluster.KeyKubeServiceMonitor: "true",
				cluster.KeyKubeNamespace:      "data", cluster.KeyKubeCreateNamespace: "false",
				cluster.KeyKubeClusterDomain: "corp.internal", cluster.KeyKubeStorageClass: "fast",
				cluster.KeyKubeDataVolumeSize: "5Gi", cluster.KeyKubeAntiAffinity: "preferred",
				cluster.KeyKubeNodeCPU: "1", cluster.KeyKubeNodeMemory: "1Gi",
				cluster.KeyKubeSentinelCPU: "20m", cluster.KeyKubeSentinelMemory: "32Mi",
			},
			want: cluster.Spec{
				Name: "cache", Platform: cluster.PlatformDocker, Mode: cluster.ModeSentinel, MasterName: "primary",
				Replicas: 4, Sentinels: 5, Quorum: 4,
				Timers:      cluster.Timers{DownAfterMilliseconds: 1000, FailoverTimeoutMilliseconds: 10000, ParallelSyncs: 2},
				WriteSafety: cluster.WriteSafety{MinReplicasToWrite: 1, MinReplicasMaxLagSeconds: 5},
				Persistence: cluster.Persistence{AppendOnly: &off, AppendFsync: "always"},
				Image:       "redis:7.0", Ports: cluster.Ports{Redis: 7000, Sentinel: 27000}, Password: testPassword,
				Monitor: cluster.MonitorSettings{Enabled: &off, Image: "registry.example/monitor:1"},
				Docker:  cluster.DockerSettings{Subnet: "10.9.0.0/16", NodePortBase: 20000, SentinelPortBase: 30000, MonitorPort: 9100},
				Kubernetes: cluster.KubernetesSettings{
					Namespace: "data", CreateNamespace: &off, ClusterDomain: "corp.internal", StorageClass: "fast",
					DataVolumeSize: "5Gi", AntiAffinity: cluster.AntiAffinityPreferred,
					NodeResources:     cluster.Resources{CPU: "1", Memory: "1Gi"},
					SentinelResources: cluster.Resources{CPU: "20m", Memory: "32Mi"},
					ServiceMonitor:    true,
				},
			},
		},
		{
			name:   "standalone",
			config: map[string]string{cluster.KeyMode: "standalone", cluster.KeyReplicas: "3", cluster.KeyPassword: testPassword},
			want:   cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got cluster.Spec
			_, err := run(t, tt.config, func(ctx *pulumi.Context) error {
				var err error
				got, err = stack.LoadSpec(ctx)
				return err
			})
			if err != nil {
				t.Fatalf("LoadSpec: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadSpec() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestProgram_ValidConfigDeploysDockerCluster(t *testing.T) {
	m, err := run(t, map[string]string{cluster.KeyPassword: testPassword}, stack.Program)
	if err != nil {
		t.Fatalf("Program: %v", err)
	}
	want := []string{
		"docker:index/container:Container::redis-test-apply-credentials",
		"docker:index/container:Container::redis-test-monitor",
		"docker:index/container:Container::redis-test-node-0",
		"docker:index/container:Container::redis-test-node-1",
		"docker:index/container:Container::redis-test-node-2",
		"docker:index/container:Container::redis-test-sentinel-0",
		"docker:index/container:Container::redis-test-sentinel-1",
		"docker:index/container:Container::redis-test-sentinel-2",
		"docker:index/container:Container::redis-test-settings",
		"docker:index/network:Network::redis-test-net",
		"docker:index/volume:Volume::redis-test-credentials",
		"docker:index/volume:Volume::redis-test-node-0-data",
		"docker:index/volume:Volume::redis-test-node-1-data",
		"docker:index/volume:Volume::redis-test-node-2-data",
		"redis-sentinel:docker:DockerSentinelCluster::" + stack.ComponentName,
	}
	if got := resourceNames(m); !slices.Equal(got, want) {
		t.Errorf("resources =\n%q\nwant\n%q", got, want)
	}
}

func TestProgram_ValidConfigDeploysKubernetesCluster(t *testing.T) {
	m, err := run(t, map[string]string{cluster.KeyPlatform: "kubernetes", cluster.KeyPassword: testPassword}, stack.Program)
	if err != nil {
		t.Fatalf("Program: %v", err)
	}
	want := []string{
		"kubernetes:apps/v1:Deployment::redis-test-monitor",
		"kubernetes:apps/v1:StatefulSet::redis-test-node",
		"kubernetes:apps/v1:StatefulSet::redis-test-sentinel",
		"kubernetes:batch/v1:Job::redis-test-apply-credentials",
		"kubernetes:batch/v1:Job::redis-test-settings",
		"kubernetes:core/v1:ConfigMap::redis-test-data-config",
		"kubernetes:core/v1:ConfigMap::redis-test-monitor-config",
		"kubernetes:core/v1:ConfigMap::redis-test-sentinel-config",
		"kubernetes:core/v1:Namespace::redis-test",
		"kubernetes:core/v1:Secret::redis-test-credentials",
		"kubernetes:core/v1:Secret::redis-test-monitor-auth",
		"kubernetes:core/v1:Service::redis-test-headless",
		"kubernetes:core/v1:Service::redis-test-monitor",
		"kubernetes:core/v1:Service::redis-test-sentinel",
		"kubernetes:policy/v1:PodDisruptionBudget::redis-test-data",
		"kubernetes:policy/v1:PodDisruptionBudget::redis-test-sentinel",
		"redis-sentinel:kubernetes:KubeSentinelCluster::" + stack.ComponentName,
	}
	if got := resourceNames(m); !slices.Equal(got, want) {
		t.Errorf("resources =\n%q\nwant\n%q", got, want)
	}
}

func TestProgram_InvalidKubernetesConfigCreatesNothing(t *testing.T) {
	m, err := run(t, map[string]string{
		cluster.KeyPlatform: "kubernetes", cluster.KeyPassword: testPassword, cluster.KeyKubeAntiAffinity: "soft",
	}, stack.Program)
	if err == nil || !strings.Contains(err.Error(), cluster.KeyKubeAntiAffinity+`: unknown value "soft"`) {
		t.Fatalf("Program error = %v, want the anti-affinity key named", err)
	}
	if got := resourceNames(m); len(got) != 0 {
		t.Errorf("invalid config created resources: %q", got)
	}
}

// The project file cannot mark an optional key secret, so the program refuses
// a plain previousPassword or tlsKey before creating anything.
func TestProgram_PlainTextSecretKeysAreRefused(t *testing.T) {
	rec := &pulumimock.Recorder{}
	config := map[string]string{cluster.KeyPassword: testPassword, cluster.KeyPreviousPassword: "the-old-password-456"}
	err := pulumi.RunErr(stack.Program, pulumi.WithMocks("redis-sentinel", "test", rec),
		pulumimock.Config(stack.ConfigNamespace, config, cluster.KeyPassword))
	var invalid *cluster.InvalidSpecError
	if !errors.As(err, &invalid) || len(invalid.Problems) != 1 || invalid.Problems[0].Key != cluster.KeyPreviousPassword ||
		!strings.Contains(invalid.Problems[0].Rule, "pulumi config set --secret previousPassword") {
		t.Fatalf("Program = %v, want previousPassword refused as plain text", err)
	}
	if got := resourceNames(rec); len(got) != 0 {
		t.Errorf("created %q", got)
	}
}

// Without kubernetes:enableSecretMutable the provider would replace the
// fixed-name credentials Secret on a password change, deleting every pod with
// it: the program refuses, naming the setting, before anything is created.
func TestProgram_KubernetesNeedsSecretsUpdatedInPlace(t *testing.T) {
	t.Setenv("PULUMI_K8S_ENABLE_SECRET_MUTABLE", "")
	config := map[string]string{cluster.KeyPlatform: "kubernetes", cluster.KeyPassword: testPassword}
	for name, settings := range map[string]map[string]string{
		"overridden": {stack.KeyKubeSecretMutable: "false"},
		"not set":    {},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &pulumimock.Recorder{}
			err := pulumi.RunErr(stack.Program, pulumi.WithMocks("redis-sentinel", "test", rec),
				pulumimock.Config(stack.ConfigNamespace, config, cluster.SecretKeys...), pulumimock.ProviderConfig(settings))
			if err == nil || !strings.Contains(err.Error(), stack.KeyKubeSecretMutable) || !strings.Contains(err.Error(), "redis-test-credentials") {
				t.Fatalf("Program = %v, want it refused naming %s", err, stack.KeyKubeSecretMutable)
			}
			if got := resourceNames(rec); len(got) != 0 {
				t.Errorf("created %q", got)
			}
		})
	}
	t.Setenv("PULUMI_K8S_ENABLE_SECRET_MUTABLE", "true") // what the provider reads when the config has no value
	rec := &pulumimock.Recorder{}
	if err := pulumi.RunErr(stack.Program, pulumi.WithMocks("redis-sentinel", "test", rec),
		pulumimock.Config(stack.ConfigNamespace, config, cluster.SecretKeys...)); err != nil {
		t.Fatalf("with the provider's environment variable: %v", err)
	}
}
