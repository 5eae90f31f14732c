package cluster

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// Endpoint is a host:port that other nodes and clients use to reach a process.
type Endpoint struct {
	Host string
	Port int
}

func (e Endpoint) String() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// IsHostname reports whether Host is a DNS name rather than an IP literal; Sentinel
// then needs resolve-hostnames/announce-hostnames.
func (e Endpoint) IsHostname() bool {
	_, err := netip.ParseAddr(e.Host)
	return err != nil
}

// Layout is where every process is announced: the stable addresses Sentinel
// hands out, which must work for the other nodes and for clients alike.
// Index i is ordinal i.
type Layout struct {
	Nodes     []Endpoint
	Sentinels []Endpoint
}

// InitialMaster is the deterministic bootstrap master's endpoint.
func (l Layout) InitialMaster() Endpoint { return l.Nodes[InitialMaster] }

// SentinelAddrs lists the sentinels as host:port strings.
func (l Layout) SentinelAddrs() []string {
	addrs := make([]string, len(l.Sentinels))
	for i, e := range l.Sentinels {
		addrs[i] = e.String()
	}
	return addrs
}

// DockerGateway is the subnet's first address: the bridge's address on the host.
func DockerGateway(subnet string) (netip.Addr, error) {
	prefix, err := netip.ParsePrefix(subnet)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s %q: %w", KeyDockerSubnet, subnet, err)
	}
	return prefix.Masked().Addr().Next(), nil
}

// DockerLayout announces every process at the network gateway on its published
// host port. The gateway is a host address, so host clients reach it, and
// containers reach it through the same published port: one address works from
// both sides of Docker's NAT, and it never changes when a container restarts.
func DockerLayout(s Spec) (Layout, error) {
	gateway, err := DockerGateway(s.Docker.Subnet)
	if err != nil {
		return Layout{}, err
	}
	host := gateway.String()
	l := Layout{}
	for i := range s.DataNodeCount() {
		l.Nodes = append(l.Nodes, Endpoint{Host: host, Port: s.Docker.NodePortBase + i})
	}
	for i := range s.Sentinels {
		l.Sentinels = append(l.Sentinels, Endpoint{Host: host, Port: s.Docker.SentinelPortBase + i})
	}
	return l, nil
}

// LayoutFor is the layout of the spec's platform.
func LayoutFor(s Spec) (Layout, error) {
	if s.Platform == PlatformKubernetes {
		return KubernetesLayout(s), nil
	}
	return DockerLayout(s)
}
