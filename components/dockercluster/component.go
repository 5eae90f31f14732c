// Package dockercluster provisions a Redis Sentinel cluster on a Docker host as
// one Pulumi component: a private network, a volume per data node, the data
// nodes, the sentinels, a one-shot job that applies live settings, and the
// always-on monitor.
package dockercluster

import (
	"fmt"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/components/stackoutputs"
)

// ComponentType is the Pulumi type token of DockerSentinelCluster.
const ComponentType = "redis-sentinel:docker:DockerSentinelCluster"

// DockerSentinelClusterArgs are the component's inputs.
type DockerSentinelClusterArgs struct {
	// Spec is the defaulted, validated cluster model (cluster.SetDefaults, cluster.Validate).
	Spec cluster.Spec
}

// DockerSentinelCluster is a Redis Sentinel cluster on Docker.
type DockerSentinelCluster struct {
	pulumi.ResourceState

	// Outputs are what the stack exports: addresses, nodes and the app contract.
	Outputs stackoutputs.Outputs
	// Network is the cluster's private network.
	Network *docker.Network
	// Nodes are the data node containers; Nodes[0] is the initial master.
	Nodes []*docker.Container
	// Sentinels are the sentinel containers.
	Sentinels []*docker.Container
	// Monitor is the always-on monitor container (nil with monitor: false).
	Monitor *docker.Container
	// SettingsExitCode is the settings job's exit code; it fails the update unless 0.
	SettingsExitCode pulumi.IntOutput
	// CredentialsExitCode is the credentials job's exit code, likewise.
	CredentialsExitCode pulumi.IntOutput
}

// NewDockerSentinelCluster creates the cluster. The spec must already be
// validated: this function only fails on programming errors and Pulumi errors.
func NewDockerSentinelCluster(ctx *pulumi.Context, name string, args *DockerSentinelClusterArgs, opts ...pulumi.ResourceOption) (*DockerSentinelCluster, error) {
	if args == nil {
		return nil, fmt.Errorf("dockercluster %s: args are required", name)
	}
	spec := args.Spec
	if err := cluster.Validate(spec); err != nil {
		return nil, err
	}
	layout, err := cluster.DockerLayout(spec)
	if err != nil {
		return nil, err
	}
	c := &DockerSentinelCluster{}
	if err := ctx.RegisterComponentResource(ComponentType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	tlsFiles, err := render.TLSFor(spec, layout)
	if err != nil {
		return nil, err
	}
	b := builder{ctx: ctx, spec: spec, layout: layout, parent: c, tls: tlsFiles}
	if err := b.build(c); err != nil {
		return nil, fmt.Errorf("dockercluster %s: %w", name, err)
	}
	c.Outputs = stackoutputs.New(spec, layout, tlsFiles.CACert)
	outputs := c.Outputs.Map()
	outputs["settingsExitCode"] = c.SettingsExitCode
	outputs["credentialsExitCode"] = c.CredentialsExitCode
	if err := ctx.RegisterResourceOutputs(c, outputs); err != nil {
		return nil, fmt.Errorf("register outputs of %s: %w", name, err)
	}
	return c, nil
}

// builder holds what every child needs while the component is assembled.
type builder struct {
	ctx    *pulumi.Context
	spec   cluster.Spec
	layout cluster.Layout
	parent pulumi.Resource
	tls    render.TLSFiles // empty without TLS
	// credentials are the volume the processes read their credentials from
	// and the job that fills it (see credentials.go); set by build.
	credentials credentials
}

func (b builder) build(c *DockerSentinelCluster) error {
	var err error
	if c.Network, err = b.network(); err != nil {
		return err
	}
	if b.credentials, err = b.credentialsJob(c.Network); err != nil {
		return err
	}
	c.CredentialsExitCode = b.credentials.exitCode
	// Every container starts at once: each start script settles its own role
	// (a data node follows the master the sentinels name, else the role
	// persisted on its volume, else node 0 bootstraps as master), so nothing is
	// gained by ordering them. Rolling replacements are the rollout's job
	// (targeted updates, one container at a time): a plain delete-before-replace
	// update stops every replaced container before creating any, with or
	// without an order here.
	for i := range b.spec.DataNodeCount() {
		node, err := b.dataNode(c.Network, i)
		if err != nil {
			return err
		}
		c.Nodes = append(c.Nodes, node)
	}
	for i := range b.spec.Sentinels {
		sentinel, err := b.sentinel(c.Network, i)
		if err != nil {
			return err
		}
		c.Sentinels = append(c.Sentinels, sentinel)
	}
	if b.spec.Monitor.IsEnabled() {
		if c.Monitor, err = b.monitor(c.Network); err != nil {
			return err
		}
	}
	if b.spec.Mode != cluster.ModeSentinel {
		c.SettingsExitCode = pulumi.Int(0).ToIntOutput()
		return nil
	}
	all := append(append([]*docker.Container{}, c.Nodes...), c.Sentinels...)
	c.SettingsExitCode, err = b.settingsJob(c.Network, all)
	return err
}

func (b builder) network() (*docker.Network, error) {
	gateway, err := cluster.DockerGateway(b.spec.Docker.Subnet)
	if err != nil {
		return nil, err
	}
	name := b.spec.NetworkName()
	return docker.NewNetwork(b.ctx, name, &docker.NetworkArgs{
		Name:   pulumi.String(name),
		Driver: pulumi.String("bridge"),
		IpamConfigs: docker.NetworkIpamConfigArray{docker.NetworkIpamConfigArgs{
			Subnet:  pulumi.String(b.spec.Docker.Subnet),
			Gateway: pulumi.String(gateway.String()),
		}},
		Labels: networkLabels(b.spec),
	}, pulumi.Parent(b.parent))
}

func (b builder) dataNode(network *docker.Network, i int) (*docker.Container, error) {
	volume, err := docker.NewVolume(b.ctx, b.spec.VolumeName(i), &docker.VolumeArgs{
		Name:   pulumi.String(b.spec.VolumeName(i)),
		Labels: volumeLabels(b.spec, cluster.RoleData, i),
	}, pulumi.Parent(b.parent))
	if err != nil {
		return nil, err
	}
	args := b.serverArgs(network, processSpec{
		name:       b.spec.NodeName(i),
		role:       cluster.RoleData,
		ordinal:    i,
		listenPort: b.spec.Ports.Redis,
		hostPort:   b.layout.Nodes[i].Port,
		// The start script picks the node's role (see render.StartScript).
		start: upload{path: cluster.StartScriptPath, content: render.StartScript(b.spec, b.layout, i, render.ContainerStartPaths)},
		files: []upload{
			{path: cluster.BootstrapConfPath, content: render.RedisConf(b.spec, b.layout, i)},
			credentialLink(cluster.AuthConfPath, render.CredentialNodeAuth),
		},
	})
	args.Volumes = append(b.credentialsMount(), docker.ContainerVolumeArgs{
		VolumeName:    volume.Name,
		ContainerPath: pulumi.String(cluster.DataDir),
	})
	return docker.NewContainer(b.ctx, b.spec.NodeName(i), args, b.serverOptions()...)
}

func (b builder) sentinel(network *docker.Network, i int) (*docker.Container, error) {
	args := b.serverArgs(network, processSpec{
		name:       b.spec.SentinelName(i),
		role:       cluster.RoleSentinel,
		ordinal:    i,
		listenPort: b.spec.Ports.Sentinel,
		hostPort:   b.layout.Sentinels[i].Port,
		// The start script picks the master to monitor (see render.SentinelStartScript).
		start: upload{path: cluster.SentinelStartPath, content: render.SentinelStartScript(b.spec, b.layout, i, render.ContainerSentinelStartPaths)},
		files: []upload{
			{path: cluster.SentinelBootPath, content: render.SentinelConf(b.spec, b.layout, i)},
			credentialLink(cluster.AuthConfPath, render.CredentialSentinelAuth),
		},
	})
	// Sentinels start alongside the data nodes: a new sentinel waits for the
	// nodes to answer before it picks the master (render.SentinelStartScript).
	return docker.NewContainer(b.ctx, b.spec.SentinelName(i), args, b.serverOptions()...)
}
