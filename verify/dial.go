package verify

import (
	"context"
	"net"
	"time"
)

// Dialer opens a connection to a sentinel or data node (go-redis's
// Options.Dialer). Nil means a plain net.Dialer with the system resolver.
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// DialerVia resolves names through the DNS server at dnsAddr (host:port)
// instead of the system's: a Kubernetes cluster announces pod DNS names that
// only its own DNS answers, so a verifier outside the cluster, on a host that
// routes the pod network, asks that server (e.g. the kube-dns Service).
func DialerVia(dnsAddr string, timeout time.Duration) Dialer {
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, dnsAddr)
		},
	}
	d := &net.Dialer{Timeout: timeout, Resolver: resolver}
	return d.DialContext
}
