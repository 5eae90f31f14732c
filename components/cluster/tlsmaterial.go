package cluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Config keys of user-provided TLS material.
const (
	KeyTLSCACert = "tlsCaCert"
	KeyTLSCert   = "tlsCert"
	KeyTLSKey    = "tlsKey"
)

// TLSMaterial is a certificate the user brings (PEM). Without it, a TLS stack
// derives its CA and certificate from the password (see render.RenderTLS), so
// they change whenever the password does.
type TLSMaterial struct {
	// CACert is what clients trust (REDIS_TLS_CA_CERT): one CA, or during a
	// CA change the old and the new one concatenated. Key: tlsCaCert.
	CACert string
	// Cert is the certificate every node and sentinel serves (and presents on
	// its own links); it must name every announced host. Key: tlsCert.
	Cert string
	// Key is Cert's private key (PKCS#8, PKCS#1 or SEC 1). Key: tlsKey (secret).
	Key string
	// Secret is "namespace/name" when the material was read from
	// kubernetesTlsSecret (ca.crt, tls.crt, tls.key), "" for the keys above.
	Secret string
}

// Parts of a kubernetesTlsSecret, as cert-manager writes them.
const (
	TLSSecretCACert = "ca.crt"
	TLSSecretCert   = "tls.crt"
	TLSSecretKey    = "tls.key"
)

// tlsParts name the material's parts in problems: the config keys, or for a
// Secret the config key kubernetesTlsSecret and the Secret's data key.
type tlsParts struct{ caCert, cert, key tlsPart }

type tlsPart struct{ key, name string }

func (m TLSMaterial) parts() tlsParts {
	if m.Secret == "" {
		return tlsParts{tlsPart{KeyTLSCACert, KeyTLSCACert}, tlsPart{KeyTLSCert, KeyTLSCert}, tlsPart{KeyTLSKey, KeyTLSKey}}
	}
	part := func(data string) tlsPart { return tlsPart{KeyKubeTLSSecret, data + " of Secret " + m.Secret} }
	return tlsParts{part(TLSSecretCACert), part(TLSSecretCert), part(TLSSecretKey)}
}

// add reports a problem with one part: its config key, the rule prefixed by
// the Secret's data key when the part comes from one.
func (v *validator) addPart(p tlsPart, rule string) {
	if p.key != p.name {
		rule = p.name + " " + rule
	}
	v.add(p.key, rule)
}

// validateTLSSource checks where the material comes from: kubernetesTlsSecret
// only on Kubernetes with tls, and never beside the PEM keys.
func validateTLSSource(v *validator, s Spec) {
	if s.Kubernetes.TLSSecret == "" {
		return
	}
	switch {
	case s.Platform != PlatformKubernetes:
		v.add(KeyKubeTLSSecret, "is only for platform kubernetes: on docker set tlsCaCert, tlsCert and tlsKey")
	case !s.TLS:
		v.add(KeyKubeTLSSecret, "is set but tls is false: set tls to true, or remove "+KeyKubeTLSSecret)
	case !dnsSubdomainPattern.MatchString(s.Kubernetes.TLSSecret):
		v.add(KeyKubeTLSSecret, fmt.Sprintf("%q is not a Secret name", s.Kubernetes.TLSSecret))
	case s.TLSMaterial.Secret == "":
		if s.TLSMaterial.IsSet() {
			v.add(KeyKubeTLSSecret, "is set beside tlsCaCert/tlsCert/tlsKey: bring the certificates one way, remove one or the other")
		} else {
			v.add(KeyKubeTLSSecret, "was not read: the stack program reads the Secret before it validates (kubecluster.ReadTLSSecret)")
		}
	}
}

// IsSet reports whether any of the material was given.
func (m TLSMaterial) IsSet() bool { return m.CACert != "" || m.Cert != "" || m.Key != "" }

// validateTLSMaterial checks provided material against the hosts the layout
// announces, at now: every part given, the key matching the certificate, the
// certificate valid now, usable by a server and chaining to a CA in the bundle.
func validateTLSMaterial(v *validator, s Spec, hosts []string, now time.Time) {
	m := s.TLSMaterial
	if !m.IsSet() {
		return
	}
	p := m.parts()
	if !s.TLS {
		if m.Secret == "" { // a Secret without tls is validateTLSSource's to report
			v.addPart(p.cert, "is set but tls is false: set tls to true, or remove tlsCaCert, tlsCert and tlsKey")
		}
		return
	}
	missing := "is required when any of tlsCaCert, tlsCert, tlsKey is set"
	if m.Secret != "" {
		missing = "is missing: the Secret needs tls.crt, tls.key and ca.crt (the layout cert-manager writes)"
	}
	for _, part := range []struct {
		part  tlsPart
		value string
	}{{p.caCert, m.CACert}, {p.cert, m.Cert}, {p.key, m.Key}} {
		if part.value == "" { // in key order: problems are listed as they are found
			v.addPart(part.part, missing)
		}
	}
	if m.CACert == "" || m.Cert == "" || m.Key == "" {
		return
	}
	cas, err := parseCertificates(m.CACert)
	if err != nil {
		v.addPart(p.caCert, err.Error())
		return
	}
	certs, err := parseCertificates(m.Cert)
	if err != nil {
		v.addPart(p.cert, err.Error())
		return
	}
	leaf := certs[0]
	key, err := parsePrivateKey(m.Key)
	if err != nil {
		v.addPart(p.key, err.Error())
	} else if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(leaf.PublicKey) {
		v.addPart(p.key, "does not match the certificate in "+p.cert.name)
	} else if weak := weakKey(key); weak != "" {
		v.addPart(p.key, weak)
	}
	switch {
	case now.Before(leaf.NotBefore):
		v.addPart(p.cert, fmt.Sprintf("is not valid yet: from %s", leaf.NotBefore.UTC().Format(time.RFC3339)))
	case now.After(leaf.NotAfter):
		v.addPart(p.cert, fmt.Sprintf("expired on %s", leaf.NotAfter.UTC().Format(time.RFC3339)))
	}
	for _, host := range hosts {
		if err := leaf.VerifyHostname(host); err != nil {
			v.addPart(p.cert, fmt.Sprintf("does not cover %s, which the cluster announces (its names: %v %v)", host, leaf.DNSNames, leaf.IPAddresses))
		}
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca)
	}
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	// Server for clients, client for replication and Sentinel's own links.
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			v.addPart(p.cert, fmt.Sprintf("does not verify against %s for %s: %v", p.caCert.name, usageName[usage], err))
		}
	}
}

// weakKey names what is too weak about a private key ("" when nothing is):
// RSA under 2048 bits, elliptic curves under 256 bits (NIST SP 800-57's
// 112-bit security floor).
func weakKey(key crypto.Signer) string {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < 2048 {
			return fmt.Sprintf("is an RSA key of %d bits: use at least 2048", bits)
		}
	case *ecdsa.PrivateKey:
		if params := k.Curve.Params(); params.BitSize < 256 {
			return fmt.Sprintf("is an EC key on %s: use P-256 or stronger", params.Name)
		}
	}
	return ""
}

var usageName = map[x509.ExtKeyUsage]string{x509.ExtKeyUsageServerAuth: "server auth", x509.ExtKeyUsageClientAuth: "client auth"}

// parseCertificates reads every CERTIFICATE block of a PEM text.
func parseCertificates(text string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("holds a %s block; want PEM certificates", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("is not a valid certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("holds no PEM certificate")
	}
	return out, nil
}

// parsePrivateKey reads the first private key block of a PEM text.
func parsePrivateKey(text string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("holds no PEM private key")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("holds a %s block; want a PEM private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("is not a valid private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("holds an unsupported key type %s", reflect.TypeOf(key))
	}
	return signer, nil
}

// tlsAnnouncedHosts are the hosts a client or a peer may be handed and must
// find in the certificate: every announced node and sentinel, and on
// Kubernetes the sentinels' Service.
func tlsAnnouncedHosts(s Spec) ([]string, error) {
	l, err := LayoutFor(s)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var hosts []string
	endpoints := append(append([]Endpoint{}, l.Nodes...), l.Sentinels...)
	if s.Platform == PlatformKubernetes && s.Mode == ModeSentinel {
		endpoints = append(endpoints, s.SentinelServiceAddr())
	}
	for _, e := range endpoints {
		if !seen[e.Host] {
			seen[e.Host] = true
			hosts = append(hosts, e.Host)
		}
	}
	return hosts, nil
}
