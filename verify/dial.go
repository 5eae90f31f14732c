package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
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

// withTLS wraps base (nil: a plain dialer) in TLS, verifying each server's
// certificate against the host it was dialled as: Sentinel hands out master
// addresses at run time, so the server name cannot be fixed in advance.
func withTLS(base Dialer, cfg *tls.Config, timeout time.Duration) Dialer {
	if base == nil {
		d := &net.Dialer{Timeout: timeout}
		base = d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := base(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("tls %s: %w", addr, err)
		}
		c := cfg.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		conn := tls.Client(raw, c)
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
		}
		return conn, nil
	}
}

// TLSConfigFromPEM trusts the CA certificates in caPEM (REDIS_TLS_CA_CERT).
func TLSConfigFromPEM(caPEM string) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, errors.New("no CA certificate in the given PEM")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
