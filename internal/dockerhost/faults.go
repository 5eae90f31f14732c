package dockerhost

import (
	"context"
	"fmt"
	"net"
	"strconv"
)

// ClusterFaults injects faults into one cluster's containers; it implements
// verify.Faults. A node is found by the host port its announced address names.
type ClusterFaults struct {
	Host    *Host
	Cluster string
}

// Crash SIGKILLs the container of the node announced at addr.
func (f ClusterFaults) Crash(ctx context.Context, addr string) error {
	name, err := f.Container(ctx, addr)
	if err != nil {
		return err
	}
	return f.Host.Kill(ctx, name)
}

// Recover starts that container again.
func (f ClusterFaults) Recover(ctx context.Context, addr string) error {
	name, err := f.Container(ctx, addr)
	if err != nil {
		return err
	}
	return f.Host.Start(ctx, name)
}

// Container names the container of the node announced at addr.
func (f ClusterFaults) Container(ctx context.Context, addr string) (string, error) {
	_, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("node address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return "", fmt.Errorf("node address %q: %w", addr, err)
	}
	return f.Host.ContainerByHostPort(ctx, f.Cluster, port)
}
