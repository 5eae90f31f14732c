// Package dockerhost is the Docker daemon as tests and drills see it: find a
// cluster's containers by label or published port, inject faults, and list
// what a stack left behind. It uses the Docker Engine SDK.
package dockerhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// Host is a connection to the Docker daemon named by the environment
// (DOCKER_HOST, default the local socket).
type Host struct {
	api *client.Client
}

// Connect creates the client and checks the daemon answers.
func Connect(ctx context.Context) (*Host, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	if _, err := api.Ping(ctx); err != nil {
		_ = api.Close()
		return nil, fmt.Errorf("docker daemon at %s: %w", api.DaemonHost(), err)
	}
	return &Host{api: api}, nil
}

// Close releases the client.
func (h *Host) Close() error { return h.api.Close() }

// ErrNotFound means no container of the cluster matched.
var ErrNotFound = errors.New("no such container")

// ContainerByHostPort finds the running container of a cluster that publishes
// hostPort: the announced address Sentinel hands out names it.
func (h *Host) ContainerByHostPort(ctx context.Context, clusterName string, hostPort int) (string, error) {
	list, err := h.api.ContainerList(ctx, container.ListOptions{All: true, Filters: clusterFilter(clusterName)})
	if err != nil {
		return "", fmt.Errorf("list containers of %s: %w", clusterName, err)
	}
	for _, c := range list {
		for _, p := range c.Ports {
			if int(p.PublicPort) == hostPort {
				return trimSlash(c.Names[0]), nil
			}
		}
		// A stopped container publishes nothing; fall back to its configuration.
		if c.State != "running" {
			inspect, err := h.api.ContainerInspect(ctx, c.ID)
			if err != nil {
				continue
			}
			for _, bindings := range inspect.HostConfig.PortBindings {
				for _, b := range bindings {
					if b.HostPort == strconv.Itoa(hostPort) {
						return trimSlash(c.Names[0]), nil
					}
				}
			}
		}
	}
	return "", fmt.Errorf("cluster %s host port %d: %w", clusterName, hostPort, ErrNotFound)
}

// Kill sends SIGKILL to a container (a crash: no shutdown, no restart policy).
func (h *Host) Kill(ctx context.Context, name string) error {
	if err := h.api.ContainerKill(ctx, name, "KILL"); err != nil {
		return fmt.Errorf("kill %s: %w", name, err)
	}
	return nil
}

// Start starts a stopped container.
func (h *Host) Start(ctx context.Context, name string) error {
	if err := h.api.ContainerStart(ctx, name, container.StartOptions{}); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	return nil
}

// Leftovers lists every container, network and volume labelled as part of the
// cluster: after a destroy it must be empty.
func (h *Host) Leftovers(ctx context.Context, clusterName string) ([]string, error) {
	f := clusterFilter(clusterName)
	var out []string
	containers, err := h.api.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range containers {
		out = append(out, "container "+trimSlash(c.Names[0]))
	}
	networks, err := h.api.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range networks {
		out = append(out, "network "+n.Name)
	}
	volumes, err := h.api.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	for _, v := range volumes.Volumes {
		out = append(out, "volume "+v.Name)
	}
	return out, nil
}

func clusterFilter(clusterName string) filters.Args {
	return filters.NewArgs(filters.Arg("label", cluster.LabelCluster+"="+clusterName))
}

func trimSlash(name string) string {
	if len(name) > 0 && name[0] == '/' {
		return name[1:]
	}
	return name
}

// HasImage reports whether the daemon has the image locally.
func (h *Host) HasImage(ctx context.Context, ref string) (bool, error) {
	if _, err := h.api.ImageInspect(ctx, ref); err != nil {
		if client.IsErrNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return true, nil
}

// ContainerIDs maps each container name of the cluster to its ID: a replaced
// container gets a new ID.
func (h *Host) ContainerIDs(ctx context.Context, clusterName string) (map[string]string, error) {
	list, err := h.api.ContainerList(ctx, container.ListOptions{All: true, Filters: clusterFilter(clusterName)})
	if err != nil {
		return nil, fmt.Errorf("list containers of %s: %w", clusterName, err)
	}
	ids := map[string]string{}
	for _, c := range list {
		ids[trimSlash(c.Names[0])] = c.ID
	}
	return ids, nil
}

// Pause freezes every process of a container (TCP still accepts, nothing answers).
func (h *Host) Pause(ctx context.Context, name string) error {
	if err := h.api.ContainerPause(ctx, name); err != nil {
		return fmt.Errorf("pause %s: %w", name, err)
	}
	return nil
}

// Unpause resumes a paused container.
func (h *Host) Unpause(ctx context.Context, name string) error {
	if err := h.api.ContainerUnpause(ctx, name); err != nil {
		return fmt.Errorf("unpause %s: %w", name, err)
	}
	return nil
}

// Stop stops a container cleanly (SIGTERM, then SIGKILL after the timeout).
func (h *Host) Stop(ctx context.Context, name string) error {
	if err := h.api.ContainerStop(ctx, name, container.StopOptions{}); err != nil {
		return fmt.Errorf("stop %s: %w", name, err)
	}
	return nil
}

// Restart restarts a container.
func (h *Host) Restart(ctx context.Context, name string) error {
	if err := h.api.ContainerRestart(ctx, name, container.StopOptions{}); err != nil {
		return fmt.Errorf("restart %s: %w", name, err)
	}
	return nil
}

// Disconnect cuts a container off a network: a real partition.
func (h *Host) Disconnect(ctx context.Context, networkName, name string) error {
	if err := h.api.NetworkDisconnect(ctx, networkName, name, true); err != nil {
		return fmt.Errorf("disconnect %s from %s: %w", name, networkName, err)
	}
	return nil
}

// Connect attaches a container to a network again, under its name as alias.
func (h *Host) Connect(ctx context.Context, networkName, name string) error {
	settings := &network.EndpointSettings{Aliases: []string{name}}
	if err := h.api.NetworkConnect(ctx, networkName, name, settings); err != nil {
		return fmt.Errorf("connect %s to %s: %w", name, networkName, err)
	}
	return nil
}

// Exec runs a command in a running container and returns its combined output.
func (h *Host) Exec(ctx context.Context, name string, cmd ...string) (string, error) {
	created, err := h.api.ContainerExecCreate(ctx, name, container.ExecOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return "", fmt.Errorf("exec in %s: %w", name, err)
	}
	attached, err := h.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return "", fmt.Errorf("exec in %s: attach: %w", name, err)
	}
	defer attached.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, attached.Reader); err != nil {
		return "", fmt.Errorf("exec in %s: read output: %w", name, err)
	}
	return stdout.String() + stderr.String(), nil
}

// ContainersByRole lists a cluster's container names with the given role label,
// ordered by name.
func (h *Host) ContainersByRole(ctx context.Context, clusterName string, role cluster.Role) ([]string, error) {
	f := clusterFilter(clusterName)
	f.Add("label", cluster.LabelRole+"="+string(role))
	list, err := h.api.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list %s containers of %s: %w", role, clusterName, err)
	}
	var names []string
	for _, c := range list {
		names = append(names, trimSlash(c.Names[0]))
	}
	slices.Sort(names)
	return names, nil
}

// PublishedAddresses lists every host address:port the cluster's running
// containers publish on, as "container ip:port".
func (h *Host) PublishedAddresses(ctx context.Context, clusterName string) ([]string, error) {
	list, err := h.api.ContainerList(ctx, container.ListOptions{Filters: clusterFilter(clusterName)})
	if err != nil {
		return nil, fmt.Errorf("list containers of %s: %w", clusterName, err)
	}
	var out []string
	for _, c := range list {
		for _, p := range c.Ports {
			if p.PublicPort != 0 {
				out = append(out, fmt.Sprintf("%s %s:%d", trimSlash(c.Names[0]), p.IP, p.PublicPort))
			}
		}
	}
	return out, nil
}
