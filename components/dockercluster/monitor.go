package dockercluster

import (
	"fmt"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// The monitor's healthcheck asks the process, never the cluster: a monitor
// that restarted whenever the cluster was unhealthy would go blind exactly
// when on-call needs it. A probe is a runc exec (~40 ms of CPU), so every 10 s.
const (
	monitorHealthInterval    = "10s"
	monitorHealthStartPeriod = "2s"
)

// monitor is the always-on `redis-sentinel serve` container: on the cluster's
// network (it reaches every process at its announced address, as clients
// do), published on the host's loopback only. Its image holds nothing but the
// static binary, so its files are separate uploads (no shell to unbundle
// them), readable by group 0, which the unprivileged user joins.
func (b builder) monitor(network *docker.Network) (*docker.Container, error) {
	files := []upload{
		{path: cluster.MonitorTargetPath, content: render.MonitorTarget(b.spec, b.layout)},
		{path: cluster.MonitorPasswordPath, content: b.spec.UserPassword(b.spec.MonitorUser())},
	}
	if b.spec.TLS {
		files = append(files, upload{path: cluster.MonitorCACertPath, content: b.tls.CACert})
	}
	name := b.spec.MonitorName()
	livez := fmt.Sprintf("http://127.0.0.1:%d/livez", cluster.MonitorPort)
	return docker.NewContainer(b.ctx, name, &docker.ContainerArgs{
		Name:        pulumi.String(name),
		Hostname:    pulumi.String(name),
		Image:       pulumi.String(b.spec.Monitor.Image),
		Entrypoints: pulumi.ToStringArray([]string{cluster.MonitorBinaryPath}),
		Command:     pulumi.ToStringArray(render.MonitorArgs()),
		User:        pulumi.String(fmt.Sprintf("%d:%d", cluster.MonitorUID, cluster.MonitorUID)),
		GroupAdds:   pulumi.ToStringArray([]string{"0"}),
		NetworksAdvanced: docker.ContainerNetworksAdvancedArray{docker.ContainerNetworksAdvancedArgs{
			Name:    network.Name,
			Aliases: pulumi.StringArray{pulumi.String(name)},
		}},
		Ports: docker.ContainerPortArray{docker.ContainerPortArgs{
			Internal: pulumi.Int(cluster.MonitorPort),
			External: pulumi.Int(b.spec.Docker.MonitorPort),
			Ip:       pulumi.String("127.0.0.1"),
		}},
		Uploads: secretUploadsWithMode("0440", files),
		Healthcheck: docker.ContainerHealthcheckArgs{
			Tests:       pulumi.ToStringArray([]string{"CMD", cluster.MonitorBinaryPath, "probe", livez}),
			Interval:    pulumi.String(monitorHealthInterval),
			Timeout:     pulumi.String(healthTimeout),
			Retries:     pulumi.Int(healthRetries),
			StartPeriod: pulumi.String(monitorHealthStartPeriod),
		},
		// The process answers at once; waiting for the first probe would add
		// its interval to every up.
		Wait:              pulumi.Bool(false),
		Restart:           pulumi.String("unless-stopped"),
		StopTimeout:       pulumi.Int(stopGracePeriodSecs),
		MemoryReservation: pulumi.Int(32),
		Memory:            pulumi.Int(128),
		// Memory and swap together = memory: no swap. Left unset, Docker
		// reads back twice the memory and every up would report a diff.
		MemorySwap: pulumi.Int(128),
		Labels:     containerLabels(b.spec, cluster.RoleMonitor, -1),
	}, pulumi.Parent(b.parent), b.afterCredentials())
}
