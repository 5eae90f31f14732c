package render_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/redistest"
)

func TestRenderTLS_StableAndValidForEveryAnnouncedHost(t *testing.T) {
	s := cluster.SetDefaults(cluster.Spec{Platform: cluster.PlatformKubernetes, Password: "tls-Passw0rd-for-tests", TLS: true}, "tls")
	l := cluster.KubernetesLayout(s)
	first, err := render.RenderTLS(s, l)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := render.RenderTLS(s, l)
	if again != first {
		t.Fatal("RenderTLS is not deterministic: every `pulumi up` would replace every process")
	}
	other := s
	other.Password = "another-Passw0rd-42"
	if o, _ := render.RenderTLS(other, l); o.Key == first.Key || o.CACert == first.CACert {
		t.Error("another password yields the same key or CA")
	}
	if _, err := tls.X509KeyPair([]byte(first.Cert), []byte(first.Key)); err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(first.CACert))
	block, _ := pem.Decode([]byte(first.Cert))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{"127.0.0.1", "localhost", s.SentinelServiceAddr().Host}
	for _, e := range append(append([]cluster.Endpoint{}, l.Nodes...), l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	for _, host := range hosts {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: time.Now()}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", host, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "evil.example.com"}); err == nil {
		t.Error("certificate verifies for a host the cluster never announces")
	}
}

// TestTLS_ClusterServesOnlyTLS runs a TLS (and ACL) cluster of real processes
// from the rendered configs and scripts: replication and Sentinel work over
// TLS, the verifier passes over TLS, a switchover loses nothing, and no
// process accepts a plaintext client.
func TestTLS_ClusterServesOnlyTLS(t *testing.T) {
	c := redistest.Start(t, redistest.Options{TLS: true, ACL: true}) // healthy through the TLS verifier
	ctx := context.Background()
	for _, e := range append(append([]cluster.Endpoint{}, c.Layout.Nodes...), c.Layout.Sentinels...) {
		plain := redis.NewClient(&redis.Options{Addr: e.String(), Username: string(c.Spec.AdminUser()), Password: c.Spec.Password,
			MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second, DisableIdentity: true})
		if err := plain.Ping(ctx).Err(); err == nil {
			t.Errorf("%s accepted a plaintext client", e)
		}
		plain.Close()
	}
	requireLosslessSwitchover(t, c, "over TLS")
}
