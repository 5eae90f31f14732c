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

// Generated material is fresh each time and passes the same validation as
// material a user brings, on both platforms.
func TestGenerateTLS_FreshAndValidAsProvidedMaterial(t *testing.T) {
	for _, platform := range []cluster.Platform{cluster.PlatformDocker, cluster.PlatformKubernetes} {
		t.Run(string(platform), func(t *testing.T) {
			s := cluster.SetDefaults(cluster.Spec{Platform: platform, Password: "tls-Passw0rd-for-tests", TLS: true}, "tls")
			l, err := cluster.LayoutFor(s)
			if err != nil {
				t.Fatal(err)
			}
			first, err := render.GenerateTLS(s, l, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			second, _ := render.GenerateTLS(s, l, time.Now())
			if first.Key == second.Key || first.CACert == second.CACert {
				t.Fatal("two generations share a key or a CA")
			}
			s.TLSMaterial = cluster.TLSMaterial{CACert: first.CACert, Cert: first.Cert, Key: first.Key}
			if err := cluster.Validate(s); err != nil {
				t.Fatalf("generated material fails validation: %v", err)
			}
			if err := cluster.ValidateAt(s, time.Now().AddDate(3, 0, 0)); err == nil {
				t.Fatal("the certificate is still valid in three years; want two")
			}
		})
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
