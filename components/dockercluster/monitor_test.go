package dockercluster_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

func withMonitor(s cluster.Spec, enabled bool) cluster.Spec {
	s.Monitor.Enabled = &enabled
	return s
}

// The monitor runs unprivileged from its own image, on the cluster's network,
// published on loopback only, probed on its liveness (never the cluster's
// health), and with ACL it holds its own user's password, not the admin's.
func TestDockerSentinelCluster_Monitor(t *testing.T) {
	spec := sentinelSpec()
	spec.ACL, spec.TLS = true, true
	m, err := deploy(t, spec, nil, nil)
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	mon := m.byName(t, "redis-test-monitor")
	in := mon.inputs
	if got := in["image"].StringValue(); got != cluster.DefaultMonitorImage {
		t.Errorf("image = %q, want %q", got, cluster.DefaultMonitorImage)
	}
	if got := in["user"].StringValue(); got != "65534:65534" {
		t.Errorf("user = %q, want nobody", got)
	}
	ports := in["ports"].ArrayValue()
	if len(ports) != 1 || field(ports[0], "ip").StringValue() != "127.0.0.1" ||
		int(field(ports[0], "external").NumberValue()) != spec.Docker.MonitorPort || int(field(ports[0], "internal").NumberValue()) != cluster.MonitorPort {
		t.Errorf("ports = %v, want 127.0.0.1:%d -> %d only", ports, spec.Docker.MonitorPort, cluster.MonitorPort)
	}
	if probe := strings.Join(strs(field(in["healthcheck"], "tests")), " "); !strings.Contains(probe, "probe http://127.0.0.1:9121/livez") {
		t.Errorf("healthcheck = %q, want the process's liveness", probe)
	}
	uploads := strs(in["uploads"])
	monitorPassword := spec.UserPassword(cluster.UserMonitor)
	if !slices.Contains(uploads, monitorPassword) {
		t.Error("no upload holds the monitor user's password")
	}
	if slices.ContainsFunc(uploads, func(s string) bool { return strings.Contains(s, spec.Password) }) {
		t.Error("the monitor holds the admin password")
	}
	if !slices.ContainsFunc(uploads, func(s string) bool {
		return strings.Contains(s, `"username": "monitor"`) && strings.Contains(s, `"tlsCaCertFile"`)
	}) {
		t.Error("no target file naming the monitor user and the CA")
	}
	if labels := strs(in["labels"]); !slices.Contains(labels, string(cluster.RoleMonitor)) {
		t.Errorf("labels = %q, want role monitor", labels)
	}
}
