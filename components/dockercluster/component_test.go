package dockercluster_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/dockercluster"
)

const testPassword = "a-strong-password-123"

func sentinelSpec() cluster.Spec {
	return cluster.SetDefaults(cluster.Spec{Password: testPassword}, "test")
}

// deploy runs the component under mocks; check, if set, runs inside the
// program with the component so it can await outputs.
func deploy(t *testing.T, spec cluster.Spec, exitCodes map[string]int, check func(*pulumi.Context, *dockercluster.DockerSentinelCluster)) (*mocks, error) {
	t.Helper()
	m := &mocks{exitCodes: exitCodes}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		c, err := dockercluster.NewDockerSentinelCluster(ctx, "redis", &dockercluster.DockerSentinelClusterArgs{Spec: spec})
		if err != nil {
			return err
		}
		if check != nil {
			check(ctx, c)
		}
		return nil
	}, pulumi.WithMocks("redis-sentinel", "test", m))
	return m, err
}

func TestDockerSentinelCluster_Resources(t *testing.T) {
	standalone := cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test")
	tests := []struct {
		name           string
		spec           cluster.Spec
		wantNetworks   []string
		wantVolumes    []string
		wantContainers []string
	}{
		{
			name:         "sentinel defaults",
			spec:         sentinelSpec(),
			wantNetworks: []string{"redis-test-net"},
			wantVolumes:  []string{"redis-test-credentials", "redis-test-node-0-data", "redis-test-node-1-data", "redis-test-node-2-data"},
			wantContainers: []string{
				"redis-test-apply-credentials", "redis-test-monitor", "redis-test-node-0", "redis-test-node-1", "redis-test-node-2",
				"redis-test-sentinel-0", "redis-test-sentinel-1", "redis-test-sentinel-2",
				"redis-test-settings",
			},
		},
		{
			name:           "standalone",
			spec:           standalone,
			wantNetworks:   []string{"redis-test-net"},
			wantVolumes:    []string{"redis-test-credentials", "redis-test-node-0-data"},
			wantContainers: []string{"redis-test-apply-credentials", "redis-test-monitor", "redis-test-node-0"},
		},
		{
			name:           "monitor off",
			spec:           withMonitor(sentinelSpec(), false),
			wantNetworks:   []string{"redis-test-net"},
			wantVolumes:    []string{"redis-test-credentials", "redis-test-node-0-data", "redis-test-node-1-data", "redis-test-node-2-data"},
			wantContainers: []string{"redis-test-apply-credentials", "redis-test-node-0", "redis-test-node-1", "redis-test-node-2", "redis-test-sentinel-0", "redis-test-sentinel-1", "redis-test-sentinel-2", "redis-test-settings"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := deploy(t, tt.spec, nil, nil)
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
			for _, c := range []struct {
				typ  string
				want []string
			}{{typeNetwork, tt.wantNetworks}, {typeVolume, tt.wantVolumes}, {typeContainer, tt.wantContainers}} {
				if got := names(m.ofType(c.typ)); !slices.Equal(got, c.want) {
					t.Errorf("%s resources = %q, want %q", c.typ, got, c.want)
				}
			}
			if got := names(m.ofType(dockercluster.ComponentType)); !slices.Equal(got, []string{"redis"}) {
				t.Errorf("components = %q, want [redis]", got)
			}
			for _, r := range m.ofType(typeContainer) {
				if got := strs(r.inputs["name"]); !slices.Equal(got, []string{r.name}) {
					t.Errorf("%s: container name input %q, want the resource name", r.name, got)
				}
			}
		})
	}
}

// TestDockerSentinelCluster_SecretOnlyInSecretUploads: the password reaches
// the credentials job (and the monitor's own password its container) in
// secret uploads, and no other input of any container; nodes, sentinels and
// the settings job read it from the credentials volume, so a rotation changes
// none of their inputs.
func TestDockerSentinelCluster_SecretOnlyInSecretUploads(t *testing.T) {
	for _, spec := range []cluster.Spec{
		sentinelSpec(),
		cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test"),
	} {
		t.Run(string(spec.Mode), func(t *testing.T) {
			m, err := deploy(t, spec, nil, nil)
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
			for _, r := range m.ofType(typeContainer) {
				uploads, ok := r.inputs["uploads"]
				if !ok {
					t.Errorf("%s: no uploads", r.name)
					continue
				}
				if _, secret := unsecret(uploads); !secret {
					t.Errorf("%s: uploads are not secret", r.name)
				}
				carries := slices.ContainsFunc(strs(uploads), func(s string) bool { return strings.Contains(s, testPassword) })
				if want := r.name == "redis-test-apply-credentials" || r.name == "redis-test-monitor"; carries != want {
					t.Errorf("%s: an upload carries the password: %v, want %v", r.name, carries, want)
				}
				for key, v := range r.inputs {
					if key == "uploads" {
						continue
					}
					for _, s := range strs(v) {
						if strings.Contains(s, testPassword) {
							t.Errorf("%s: input %q contains the password", r.name, key)
						}
					}
				}
			}
		})
	}
}

func TestDockerSentinelCluster_PortsAndHostnames(t *testing.T) {
	m, err := deploy(t, sentinelSpec(), nil, nil)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	type publish struct {
		internal, external float64
		ip                 string
	}
	want := map[string]publish{}
	for i := range 3 {
		want[fmt.Sprintf("redis-test-node-%d", i)] = publish{6379, float64(16379 + i), "172.28.0.1"}
		want[fmt.Sprintf("redis-test-sentinel-%d", i)] = publish{26379, float64(36379 + i), "172.28.0.1"}
	}
	for name, w := range want {
		r := m.byName(t, name)
		ports, _ := unsecret(r.inputs["ports"])
		if !ports.IsArray() || len(ports.ArrayValue()) != 1 {
			t.Errorf("%s: ports = %v, want one published port", name, ports)
			continue
		}
		p := ports.ArrayValue()[0]
		got := publish{field(p, "internal").NumberValue(), field(p, "external").NumberValue(), field(p, "ip").StringValue()}
		if got != w {
			t.Errorf("%s: port %+v, want %+v", name, got, w)
		}
		if got := strs(r.inputs["hostname"]); !slices.Equal(got, []string{name}) {
			t.Errorf("%s: hostname %q, want %q", name, got, name)
		}
		wantCommand := []string{"sh", cluster.SentinelStartPath} // picks the master to monitor
		if strings.Contains(name, "-node-") {
			wantCommand = []string{"sh", cluster.StartScriptPath} // picks the node's role
		}
		if got := strs(r.inputs["command"]); !slices.Equal(got, wantCommand) {
			t.Errorf("%s: command %q, want %q", name, got, wantCommand)
		}
	}
	net := m.byName(t, "redis-test-net")
	ipam, _ := unsecret(net.inputs["ipamConfigs"])
	if !ipam.IsArray() || len(ipam.ArrayValue()) != 1 ||
		field(ipam.ArrayValue()[0], "subnet").StringValue() != "172.28.0.0/24" ||
		field(ipam.ArrayValue()[0], "gateway").StringValue() != "172.28.0.1" {
		t.Errorf("network ipamConfigs = %v, want subnet 172.28.0.0/24 gateway 172.28.0.1", ipam)
	}
	if got := m.byName(t, "redis-test-settings").inputs["ports"]; !got.IsNull() && len(got.ArrayValue()) > 0 {
		t.Errorf("settings job publishes ports: %v", got)
	}
}

func TestDockerSentinelCluster_Dependencies(t *testing.T) {
	m, err := deploy(t, sentinelSpec(), nil, nil)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	nodes := []string{"redis-test-node-0", "redis-test-node-1", "redis-test-node-2"}
	sentinels := []string{"redis-test-sentinel-0", "redis-test-sentinel-1", "redis-test-sentinel-2"}
	want := map[string][]string{
		// Data nodes start together (start scripts settle roles), once the
		// credentials they read are published.
		"redis-test-node-0":            {"redis-test-apply-credentials"},
		"redis-test-node-1":            {"redis-test-apply-credentials"},
		"redis-test-node-2":            {"redis-test-apply-credentials"},
		"redis-test-settings":          append(slices.Clone(nodes), sentinels...),
		"redis-test-apply-credentials": nil, // it updates running processes in place
	}
	for _, s := range sentinels {
		want[s] = []string{"redis-test-apply-credentials"} // a new sentinel waits for the nodes itself
	}
	containers := map[string]bool{}
	for _, r := range m.ofType(typeContainer) {
		containers[r.name] = true
	}
	for name, wantDeps := range want {
		r := m.byName(t, name)
		var got []string
		for _, d := range r.deps {
			if containers[d] {
				got = append(got, d)
			}
		}
		if !slices.Equal(got, wantDeps) {
			t.Errorf("%s depends on containers %q, want %q", name, got, wantDeps)
		}
		if !slices.Contains(r.deps, "redis-test-net") {
			t.Errorf("%s does not depend on the network (deps %q)", name, r.deps)
		}
	}
	for i, node := range nodes {
		volume := fmt.Sprintf("redis-test-node-%d-data", i)
		if r := m.byName(t, node); !slices.Contains(r.deps, volume) {
			t.Errorf("%s does not depend on its volume %s (deps %q)", node, volume, r.deps)
		}
		mount := m.byName(t, node).inputs["volumes"]
		if v, _ := unsecret(mount); !v.IsArray() || len(v.ArrayValue()) != 2 ||
			field(v.ArrayValue()[0], "volumeName").StringValue() != "redis-test-credentials" ||
			field(v.ArrayValue()[0], "containerPath").StringValue() != cluster.CredentialsDir ||
			!field(v.ArrayValue()[0], "readOnly").BoolValue() ||
			field(v.ArrayValue()[1], "volumeName").StringValue() != volume ||
			field(v.ArrayValue()[1], "containerPath").StringValue() != cluster.DataDir {
			t.Errorf("%s volumes = %v, want the credentials read-only at %s and %s at %s", node, mount, cluster.CredentialsDir, volume, cluster.DataDir)
		}
	}
}

func TestDockerSentinelCluster_Outputs(t *testing.T) {
	tests := []struct {
		name       string
		spec       cluster.Spec
		wantDotEnv []string
		wantEnv    map[string]string
	}{
		{
			name: "sentinel",
			spec: sentinelSpec(),
			wantDotEnv: []string{
				"REDIS_SENTINEL_ENABLED=true\n",
				"REDIS_SENTINEL_MASTER_NAME=mymaster\n",
				"REDIS_SENTINELS=172.28.0.1:36379,172.28.0.1:36380,172.28.0.1:36381\n",
				"REDIS_PASSWORD=" + testPassword + "\n",
			},
			wantEnv: map[string]string{
				"REDIS_SENTINEL_ENABLED":     "true",
				"REDIS_SENTINEL_MASTER_NAME": "mymaster",
				"REDIS_SENTINELS":            "172.28.0.1:36379,172.28.0.1:36380,172.28.0.1:36381",
				"REDIS_PASSWORD":             testPassword,
			},
		},
		{
			name:       "standalone",
			spec:       cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test"),
			wantDotEnv: []string{"REDIS_SENTINEL_ENABLED=false\n", "REDIS_HOST=172.28.0.1:16379\n"},
			wantEnv: map[string]string{
				"REDIS_SENTINEL_ENABLED": "false",
				"REDIS_HOST":             "172.28.0.1:16379",
				"REDIS_PASSWORD":         testPassword,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := deploy(t, tt.spec, nil, func(ctx *pulumi.Context, c *dockercluster.DockerSentinelCluster) {
				dotenv, secret := await(t, ctx, c.Outputs.DotEnv)
				if !secret {
					t.Error("dotenv output is not secret")
				}
				for _, line := range tt.wantDotEnv {
					if s, _ := dotenv.(string); !strings.Contains(s, line) {
						t.Errorf("dotenv = %q, want a line %q", dotenv, line)
					}
				}
				env, secret := await(t, ctx, c.Outputs.AppEnv)
				if !secret {
					t.Error("appEnv output is not secret")
				}
				if got := fmt.Sprint(env); got != fmt.Sprint(tt.wantEnv) {
					t.Errorf("appEnv = %s, want %s", got, fmt.Sprint(tt.wantEnv))
				}
				nodes, secret := await(t, ctx, c.Outputs.Nodes)
				if secret {
					t.Error("nodes output is secret; only the env contract carries the password")
				}
				if got := fmt.Sprint(nodes); !strings.HasPrefix(got, "[172.28.0.1:16379") {
					t.Errorf("nodes = %s, want node 0 at 172.28.0.1:16379 first", got)
				}
				if code, _ := await(t, ctx, c.SettingsExitCode); code != 0 {
					t.Errorf("SettingsExitCode = %v, want 0", code)
				}
			})
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
		})
	}
}

func TestDockerSentinelCluster_SettingsJobFailure(t *testing.T) {
	m, err := deploy(t, sentinelSpec(), map[string]int{"redis-test-settings": 1}, nil)
	if err == nil {
		t.Fatal("deploy succeeded although the settings job exited 1")
	}
	if !strings.Contains(err.Error(), "settings job redis-test-settings exited 1") {
		t.Errorf("error = %v, want it to name the settings job and its exit code", err)
	}
	if len(m.ofType(typeContainer)) != 9 {
		t.Errorf("containers = %q, want all 9 registered before the job result", names(m.ofType(typeContainer)))
	}
}

// A failed credentials job (a refused rotation) must leave every process and
// the monitor as they are: none of them is registered, so none is replaced.
func TestDockerSentinelCluster_CredentialsJobFailureChangesNothingElse(t *testing.T) {
	m, err := deploy(t, sentinelSpec(), map[string]int{"redis-test-apply-credentials": 1}, nil)
	if err == nil || !strings.Contains(err.Error(), "credentials job redis-test-apply-credentials exited 1") {
		t.Fatalf("deploy = %v, want the credentials job's exit code", err)
	}
	if got := names(m.ofType(typeContainer)); !slices.Equal(got, []string{"redis-test-apply-credentials"}) {
		t.Errorf("containers registered after a failed credentials job: %q, want only the job", got)
	}
}

func TestNewDockerSentinelCluster_RejectsBadArgs(t *testing.T) {
	invalid := sentinelSpec()
	invalid.Quorum = 1
	tests := []struct {
		name string
		args *dockercluster.DockerSentinelClusterArgs
		want string
	}{
		{"nil args", nil, "args are required"},
		{"invalid spec", &dockercluster.DockerSentinelClusterArgs{Spec: invalid}, "quorum: "},
		{"undefaulted spec", &dockercluster.DockerSentinelClusterArgs{Spec: cluster.Spec{Password: testPassword}}, "name: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &mocks{}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				_, err := dockercluster.NewDockerSentinelCluster(ctx, "redis", tt.args)
				return err
			}, pulumi.WithMocks("redis-sentinel", "test", m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			var invalid *cluster.InvalidSpecError
			if tt.args != nil && !errors.As(err, &invalid) {
				t.Errorf("error %v is not a *cluster.InvalidSpecError", err)
			}
			m.mu.Lock()
			defer m.mu.Unlock()
			if len(m.resources) != 0 {
				t.Errorf("created %d resources, want none", len(m.resources))
			}
		})
	}
}

// Compile-time check that the mocks satisfy the SDK interface.
var _ pulumi.MockResourceMonitor = (*mocks)(nil)

// TestDockerSentinelCluster_RotationChangesOnlyTheCredentialsJob: both phases
// of a password rotation, with ACL and without, leave every input of every
// node, sentinel and the settings job as it was, so `pulumi up` replaces the
// credentials job (which applies the change live) and nothing that serves.
func TestDockerSentinelCluster_RotationChangesOnlyTheCredentialsJob(t *testing.T) {
	for _, acl := range []bool{false, true} {
		before := sentinelSpec()
		before.ACL = acl
		both := before
		both.Password, both.PreviousPassword = "rotated-"+testPassword, testPassword
		after := both
		after.PreviousPassword = ""
		inputs := func(s cluster.Spec) map[string]string {
			m, err := deploy(t, s, nil, nil)
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
			out := map[string]string{}
			for _, r := range m.ofType(typeContainer) {
				out[r.name] = fmt.Sprint(r.inputs)
			}
			return out
		}
		was := inputs(before)
		for phase, s := range map[string]cluster.Spec{"both accepted": both, "old removed": after} {
			for name, in := range inputs(s) {
				changed := in != was[name]
				// The monitor holds its own user's password (it is not a server).
				if want := name == "redis-test-apply-credentials" || name == "redis-test-monitor"; changed != want {
					t.Errorf("acl=%v, %s: %s changed: %v, want %v", acl, phase, name, changed, want)
				}
			}
		}
	}
}
