package clients

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// ThroughClusterDNS wraps each program so it runs in a mount namespace of its
// own whose /etc/resolv.conf names only the cluster's DNS server (dns,
// host:53): the system resolver every library uses then resolves the pod
// names Sentinel announces, as an app inside the cluster would (this host
// routes the local cluster's pod network). Needs root and util-linux unshare.
func ThroughClusterDNS(programs []Program, dns, dir string) ([]Program, error) {
	host, port, err := net.SplitHostPort(dns)
	if err != nil || port != "53" {
		return nil, fmt.Errorf("cluster DNS %q: want host:53 (resolv.conf names no port): %v", dns, err)
	}
	resolv := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver "+host+"\noptions timeout:1 attempts:2\n"), 0o644); err != nil {
		return nil, err
	}
	out := make([]Program, len(programs))
	for i, p := range programs {
		p.Command = append([]string{"unshare", "--mount", "--", "sh", "-c",
			`mount --bind "$0" /etc/resolv.conf && exec "$@"`, resolv}, p.Command...)
		out[i] = p
	}
	return out, nil
}
