package cluster_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/testpki"
)

// tlsSpec is validSpec with TLS on and material issued by ca for the hosts the
// Docker layout announces.
func tlsSpec(t *testing.T, ca *testpki.CA, o testpki.Options) cluster.Spec {
	t.Helper()
	s := validSpec()
	s.TLS = true
	issued := ca.Issue(t, announcedHosts(t, s), o)
	s.TLSMaterial = cluster.TLSMaterial{CACert: ca.PEM, Cert: issued.Cert, Key: issued.Key}
	return s
}

// announcedHosts are the layout's node and sentinel hosts (not the Service).
func announcedHosts(t *testing.T, s cluster.Spec) []string {
	t.Helper()
	l, err := cluster.LayoutFor(s)
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, e := range append(l.Nodes, l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	return hosts
}

func TestValidate_ProvidedTLSMaterial(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	other := testpki.NewCA(t, "someone else's CA")
	now := time.Now()
	tests := []struct {
		name string
		spec func() cluster.Spec
		key  string // "" when the spec is valid
		rule string
	}{
		{"issued for every announced host", func() cluster.Spec { return tlsSpec(t, ca, testpki.Options{}) }, "", ""},
		{"bundle holding an old and a new CA", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLSMaterial.CACert = other.PEM + s.TLSMaterial.CACert
			return s
		}, "", ""},
		{"tls off", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLS = false
			return s
		}, cluster.KeyTLSCert, "tls is false"},
		{"key missing", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLSMaterial.Key = ""
			return s
		}, cluster.KeyTLSKey, "is required"},
		{"host not covered", func() cluster.Spec {
			s := validSpec()
			s.TLS = true
			issued := ca.Issue(t, []string{"redis.example.com"}, testpki.Options{})
			s.TLSMaterial = cluster.TLSMaterial{CACert: ca.PEM, Cert: issued.Cert, Key: issued.Key}
			return s
		}, cluster.KeyTLSCert, "does not cover " + announcedHosts(t, validSpec())[0]},
		{"key of another certificate", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLSMaterial.Key = testpki.EncodeKey(t, testpki.NewKey(t))
			return s
		}, cluster.KeyTLSKey, "does not match the certificate"},
		{"RSA key under 2048 bits", func() cluster.Spec {
			return tlsSpec(t, ca, testpki.Options{Key: rsaKey(t, 1024)})
		}, cluster.KeyTLSKey, "RSA key of 1024 bits"},
		{"EC key under P-256", func() cluster.Spec {
			return tlsSpec(t, ca, testpki.Options{Key: ecKey(t, elliptic.P224())})
		}, cluster.KeyTLSKey, "EC key on P-224"},
		{"RSA 2048 is fine", func() cluster.Spec {
			return tlsSpec(t, ca, testpki.Options{Key: rsaKey(t, 2048)})
		}, "", ""},
		{"expired", func() cluster.Spec {
			return tlsSpec(t, ca, testpki.Options{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)})
		}, cluster.KeyTLSCert, "expired on"},
		{"not valid yet", func() cluster.Spec {
			return tlsSpec(t, ca, testpki.Options{NotBefore: now.Add(time.Hour), NotAfter: now.Add(48 * time.Hour)})
		}, cluster.KeyTLSCert, "is not valid yet"},
		{"issued by a CA clients do not trust", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLSMaterial.CACert = other.PEM
			return s
		}, cluster.KeyTLSCert, "does not verify against tlsCaCert for server auth"},
		{"server auth only (replication needs client auth)", func() cluster.Spec {
			return tlsSpec(t, ca, testpki.Options{ServerOnly: true})
		}, cluster.KeyTLSCert, "for client auth"},
		{"not PEM", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLSMaterial.CACert = "MIIB..."
			return s
		}, cluster.KeyTLSCACert, "holds no PEM certificate"},
		{"a key where the certificate belongs", func() cluster.Spec {
			s := tlsSpec(t, ca, testpki.Options{})
			s.TLSMaterial.Cert = s.TLSMaterial.Key
			return s
		}, cluster.KeyTLSCert, "holds a PRIVATE KEY block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := cluster.ValidateAt(tt.spec(), now)
			if tt.key == "" {
				if err != nil {
					t.Fatalf("ValidateAt() = %v, want nil", err)
				}
				return
			}
			ps := problems(t, err)
			for _, p := range ps {
				if p.Key == tt.key && strings.Contains(p.Rule, tt.rule) {
					return
				}
			}
			t.Fatalf("problems %v, want %s: ...%s...", ps, tt.key, tt.rule)
		})
	}
}

func TestValidate_KubernetesCertificateMustCoverTheSentinelService(t *testing.T) {
	ca := testpki.NewCA(t, "test CA")
	s := validSpec()
	s.Platform = cluster.PlatformKubernetes
	s.TLS = true
	pods := announcedHosts(t, s)
	issued := ca.Issue(t, pods, testpki.Options{})
	s.TLSMaterial = cluster.TLSMaterial{CACert: ca.PEM, Cert: issued.Cert, Key: issued.Key}
	ps := problems(t, cluster.Validate(s))
	if len(ps) != 1 || ps[0].Key != cluster.KeyTLSCert || !strings.Contains(ps[0].Rule, s.SentinelServiceAddr().Host) {
		t.Fatalf("problems %v, want one naming the Service %s", ps, s.SentinelServiceAddr().Host)
	}
	issued = ca.Issue(t, append(pods, s.SentinelServiceAddr().Host), testpki.Options{})
	s.TLSMaterial.Cert, s.TLSMaterial.Key = issued.Cert, issued.Key
	if err := cluster.Validate(s); err != nil {
		t.Fatalf("with the Service named: %v", err)
	}
}

// A live rotation needs certificates that do not change with the password.
func TestValidate_PreviousPasswordNeedsTLSMaterialOfItsOwn(t *testing.T) {
	s := validSpec()
	s.TLS = true
	s.PreviousPassword = "the-old-password-456"
	ps := problems(t, cluster.Validate(s))
	if len(ps) != 1 || ps[0].Key != cluster.KeyPreviousPassword || !strings.Contains(ps[0].Rule, "tlsCaCert, tlsCert and tlsKey") {
		t.Fatalf("problems %v, want previousPassword naming the TLS keys", ps)
	}
	s = tlsSpec(t, testpki.NewCA(t, "test CA"), testpki.Options{})
	s.PreviousPassword = "the-old-password-456"
	if err := cluster.Validate(s); err != nil {
		t.Fatalf("with provided material: %v", err)
	}
}

func rsaKey(t *testing.T, bits int) crypto.Signer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func ecKey(t *testing.T, curve elliptic.Curve) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
