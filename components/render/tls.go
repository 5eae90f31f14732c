package render

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// TLSFiles are the PEM files a TLS cluster's processes and clients use.
type TLSFiles struct {
	CACert string // the stack's CA: clients trust it (REDIS_TLS_CA_CERT)
	Cert   string // one server certificate for every node and sentinel
	Key    string // its private key: a secret
}

// Certificate validity is fixed, not "now": the same spec must render the
// same bytes on every `pulumi up`, or every update would replace every process.
var (
	tlsNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tlsNotAfter  = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
)

// RenderTLS derives the stack's CA and server certificate from its password:
// Ed25519 keys seeded with HMAC-SHA256(password, purpose) and deterministic
// Ed25519 signatures make the output a pure function of the spec. It is what
// a TLS stack without tlsCaCert/tlsCert/tlsKey serves, so the certificates
// change with the password; `redis-sentinel tls init` keeps them as stack
// config (see automation.EnsureTLSMaterial).
func RenderTLS(s cluster.Spec, l cluster.Layout) (TLSFiles, error) {
	return issueTLS(s, l, tlsIssue{
		caKey:     ed25519.NewKeyFromSeed(tlsSeed(s, "ca")),
		serverKey: ed25519.NewKeyFromSeed(tlsSeed(s, "server")),
		caSerial:  tlsSerial(s, "ca"), serverSerial: tlsSerial(s, "server"),
		notBefore: tlsNotBefore, caNotAfter: tlsNotAfter, serverNotAfter: tlsNotAfter,
	})
}

// GenerateTLS is a fresh CA (valid ten years) and server certificate (two
// years) for the hosts l announces, with random keys: what a stack that is
// not deployed yet keeps as its own TLS material (tlsCaCert, tlsCert, tlsKey).
func GenerateTLS(s cluster.Spec, l cluster.Layout, now time.Time) (TLSFiles, error) {
	_, caKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: CA key: %w", err)
	}
	_, serverKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: server key: %w", err)
	}
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	caSerial, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: serial: %w", err)
	}
	serverSerial, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: serial: %w", err)
	}
	start := now.Add(-time.Hour).UTC() // a host whose clock is a little behind accepts it too
	return issueTLS(s, l, tlsIssue{
		caKey: caKey, serverKey: serverKey, caSerial: caSerial, serverSerial: serverSerial,
		notBefore: start, caNotAfter: start.AddDate(10, 0, 0), serverNotAfter: start.AddDate(2, 0, 0),
	})
}

// tlsIssue is what differs between derived and generated material.
type tlsIssue struct {
	caKey, serverKey                      ed25519.PrivateKey
	caSerial, serverSerial                *big.Int
	notBefore, caNotAfter, serverNotAfter time.Time
}

// issueTLS makes the CA and the server certificate. The server certificate
// names every host the layout announces, plus localhost and 127.0.0.1 for a
// process's own tooling, so Sentinel's clients verify whatever address they
// are handed; it serves clients and the processes' own links (client auth).
func issueTLS(s cluster.Spec, l cluster.Layout, in tlsIssue) (TLSFiles, error) {
	ca := &x509.Certificate{
		SerialNumber:          in.caSerial,
		Subject:               pkix.Name{CommonName: s.Name + " CA", Organization: []string{"redis-sentinel"}},
		NotBefore:             in.notBefore,
		NotAfter:              in.caNotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(nil, ca, ca, in.caKey.Public(), in.caKey)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: create CA of %s: %w", s.Name, err)
	}
	server := &x509.Certificate{
		SerialNumber: in.serverSerial,
		Subject:      pkix.Name{CommonName: s.Name, Organization: []string{"redis-sentinel"}},
		NotBefore:    in.notBefore,
		NotAfter:     in.serverNotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	hosts := tlsHosts(l)
	if s.Platform == cluster.PlatformKubernetes {
		hosts = append(hosts, s.SentinelServiceAddr().Host) // clients may use the Service
	}
	for _, host := range hosts {
		if ip := net.ParseIP(host); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else {
			server.DNSNames = append(server.DNSNames, host)
		}
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: parse CA of %s: %w", s.Name, err)
	}
	serverDER, err := x509.CreateCertificate(nil, server, caCert, in.serverKey.Public(), in.caKey)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: create certificate of %s: %w", s.Name, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(in.serverKey)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("tls: encode key of %s: %w", s.Name, err)
	}
	return TLSFiles{
		CACert: pemBlock("CERTIFICATE", caDER),
		Cert:   pemBlock("CERTIFICATE", serverDER),
		Key:    pemBlock("PRIVATE KEY", keyDER),
	}, nil
}

// tlsHosts are the announced hosts, sorted and unique, plus the loopback names.
func tlsHosts(l cluster.Layout) []string {
	hosts := []string{"localhost", "127.0.0.1"}
	for _, e := range append(append([]cluster.Endpoint{}, l.Nodes...), l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

func tlsSeed(s cluster.Spec, purpose string) []byte {
	mac := hmac.New(sha256.New, []byte(s.Password))
	mac.Write([]byte("redis-sentinel/tls/" + s.Name + "/" + purpose))
	return mac.Sum(nil)
}

func tlsSerial(s cluster.Spec, purpose string) *big.Int {
	seed := tlsSeed(s, "serial/"+purpose)
	return new(big.Int).SetBytes(seed[:16])
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// SentinelDir is a sentinel's working directory (its TLS copies live below it).
const SentinelDir = "/tmp"

// listenConf is the listening part of a config: the plaintext port, or with
// TLS only the TLS port (port 0), TLS for the process's own outgoing links
// (replication, Sentinel's connections) and the stack's certificate, read from
// TLSDirName relative to the working directory (`dir`), where the start
// script copies it. Clients authenticate with passwords, not certificates.
func listenConf(s cluster.Spec, port int) string {
	if !s.TLS {
		return lines(fmt.Sprintf("port %d", port))
	}
	return lines(
		"port 0",
		fmt.Sprintf("tls-port %d", port),
		"tls-cert-file "+cluster.TLSDirName+"/tls.crt",
		"tls-key-file "+cluster.TLSDirName+"/tls.key",
		"tls-ca-cert-file "+cluster.TLSDirName+"/ca.crt",
		"tls-auth-clients no",
		"tls-replication yes",
	)
}

// TLSFor is the stack's TLS files: the ones the user provided
// (cluster.TLSMaterial, validated), else RenderTLS's; none without TLS.
func TLSFor(s cluster.Spec, l cluster.Layout) (TLSFiles, error) {
	switch {
	case !s.TLS:
		return TLSFiles{}, nil
	case s.TLSMaterial.IsSet():
		m := s.TLSMaterial
		return TLSFiles{CACert: withNewline(m.CACert), Cert: withNewline(m.Cert), Key: withNewline(m.Key)}, nil
	}
	return RenderTLS(s, l)
}

// withNewline ends PEM text with a newline, as files and bundles expect.
func withNewline(pem string) string {
	if pem == "" || pem[len(pem)-1] == '\n' {
		return pem
	}
	return pem + "\n"
}
