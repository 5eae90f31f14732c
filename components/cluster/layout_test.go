package cluster_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

func at(host string, port int) cluster.Endpoint { return cluster.Endpoint{Host: host, Port: port} }

func label(key, value string) cluster.Label { return cluster.Label{Key: key, Value: value} }

func TestDockerGateway_FirstAddressOfSubnet(t *testing.T) {
	tests := []struct {
		subnet string
		want   string
	}{
		{"172.28.0.0/24", "172.28.0.1"},
		{"10.1.2.8/29", "10.1.2.9"},
		{"192.168.0.0/16", "192.168.0.1"},
		// Host bits are masked off (Validate rejects them before this matters).
		{"172.28.0.5/24", "172.28.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.subnet, func(t *testing.T) {
			got, err := cluster.DockerGateway(tt.subnet)
			if err != nil {
				t.Fatalf("DockerGateway(%q) error: %v", tt.subnet, err)
			}
			if got.String() != tt.want {
				t.Errorf("DockerGateway(%q) = %s, want %s", tt.subnet, got, tt.want)
			}
		})
	}
}

func TestDockerGateway_InvalidSubnet(t *testing.T) {
	_, err := cluster.DockerGateway("172.28.0.0")
	if err == nil || !strings.Contains(err.Error(), cluster.KeyDockerSubnet) {
		t.Fatalf("DockerGateway error = %v, want one naming %s", err, cluster.KeyDockerSubnet)
	}
}

func TestDockerLayout_PortsFromBase(t *testing.T) {
	ep := func(port int) cluster.Endpoint { return at("172.28.0.1", port) }
	tests := []struct {
		name string
		spec cluster.Spec
		want cluster.Layout
	}{
		{
			name: "sentinel defaults",
			spec: validSpec(),
			want: cluster.Layout{
				Nodes:     []cluster.Endpoint{ep(16379), ep(16380), ep(16381)},
				Sentinels: []cluster.Endpoint{ep(36379), ep(36380), ep(36381)},
			},
		},
		{
			name: "custom bases and counts",
			spec: cluster.SetDefaults(cluster.Spec{
				Replicas: 1, Sentinels: 5, Password: testPassword,
				Docker: cluster.DockerSettings{Subnet: "10.5.0.0/16", NodePortBase: 20000, SentinelPortBase: 30000},
			}, "test"),
			want: cluster.Layout{
				Nodes: []cluster.Endpoint{at("10.5.0.1", 20000), at("10.5.0.1", 20001)},
				Sentinels: []cluster.Endpoint{
					at("10.5.0.1", 30000), at("10.5.0.1", 30001), at("10.5.0.1", 30002), at("10.5.0.1", 30003), at("10.5.0.1", 30004),
				},
			},
		},
		{
			name: "standalone",
			spec: cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test"),
			want: cluster.Layout{Nodes: []cluster.Endpoint{ep(16379)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cluster.DockerLayout(tt.spec)
			if err != nil {
				t.Fatalf("DockerLayout error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DockerLayout() =\n%+v\nwant\n%+v", got, tt.want)
			}
			if got.InitialMaster() != tt.want.Nodes[0] {
				t.Errorf("InitialMaster() = %v, want node 0 %v", got.InitialMaster(), tt.want.Nodes[0])
			}
		})
	}
}

func TestDockerLayout_InvalidSubnet(t *testing.T) {
	s := validSpec()
	s.Docker.Subnet = "bogus"
	if _, err := cluster.DockerLayout(s); err == nil {
		t.Fatal("DockerLayout error = nil, want an error for a bogus subnet")
	}
}

func TestLayout_SentinelAddrs(t *testing.T) {
	l := cluster.Layout{Sentinels: []cluster.Endpoint{at("172.28.0.1", 36379), at("fd00::1", 26379), at("s.example", 1)}}
	want := []string{"172.28.0.1:36379", "[fd00::1]:26379", "s.example:1"}
	if got := l.SentinelAddrs(); !slices.Equal(got, want) {
		t.Errorf("SentinelAddrs() = %q, want %q", got, want)
	}
}

func TestEndpoint_IsHostname(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"172.28.0.1", false},
		{"127.0.0.1", false},
		{"::1", false},
		{"fd00:28::1", false},
		{"localhost", true},
		{"redis-node-0", true},
		{"redis-node-0.redis-headless.ns.svc.cluster.local", true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := (cluster.Endpoint{Host: tt.host, Port: 6379}).IsHostname(); got != tt.want {
				t.Errorf("IsHostname(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestSpec_NamesDerivedFromName(t *testing.T) {
	s := validSpec()
	got := []string{s.NodeName(0), s.SentinelName(2), s.NetworkName(), s.VolumeName(1), s.SettingsJobName()}
	want := []string{"redis-test-node-0", "redis-test-sentinel-2", "redis-test-net", "redis-test-node-1-data", "redis-test-settings"}
	if !slices.Equal(got, want) {
		t.Errorf("names = %q, want %q", got, want)
	}
}

func TestLabels_RoleAndOrdinal(t *testing.T) {
	s := validSpec()
	tests := []struct {
		name    string
		role    cluster.Role
		ordinal int
		want    []cluster.Label
	}{
		{"cluster wide", "", -1, []cluster.Label{label(cluster.LabelCluster, "redis-test")}},
		{"role only", cluster.RoleSettings, -1, []cluster.Label{
			label(cluster.LabelCluster, "redis-test"), label(cluster.LabelRole, "settings"),
		}},
		{"role and ordinal", cluster.RoleData, 0, []cluster.Label{
			label(cluster.LabelCluster, "redis-test"), label(cluster.LabelRole, "data"), label(cluster.LabelOrdinal, "0"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cluster.Labels(s, tt.role, tt.ordinal); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Labels() = %v, want %v", got, tt.want)
			}
		})
	}
}
