package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"maps"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testpki"
	"github.com/platform-team/redis-sentinel/verify"
)

// tlsMaterialSlot shares slot 6 with TestDockerStack_ACLAndTLS (tests of this
// package run one at a time, each destroys its stack).
const tlsMaterialSlot stacktest.Slot = 6

// TestDockerStack_BringYourOwnCertificates brings a TLS stack up with a CA,
// certificate and key made here with crypto/x509: a certificate that does not
// cover the announced host is refused at preview, naming tlsCert, before
// anything exists; the good one is served by every node and sentinel, the
// outputs and the app contract publish the provided CA (not a derived one),
// an app trusting only it writes through Sentinel, and the key is nowhere in
// plaintext.
func TestDockerStack_BringYourOwnCertificates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := stacktest.NewDocker(t, ctx, tlsMaterialSlot, map[string]string{cluster.KeyTLS: "true", cluster.KeyACL: "true"})
	host := announcedHost(t, tlsMaterialSlot)
	ca := testpki.NewCA(t, "platform team CA")

	wrong := ca.Issue(t, []string{"redis.elsewhere.example"}, testpki.Options{})
	d.SetConfig(ctx, map[string]string{cluster.KeyTLSCACert: ca.PEM, cluster.KeyTLSCert: wrong.Cert, cluster.KeyTLSKey: wrong.Key})
	_, err := d.Stack.Preview(ctx, optpreview.SuppressProgress())
	if err == nil || !strings.Contains(err.Error(), "tlsCert: does not cover "+host) {
		t.Fatalf("preview with a certificate for another host: %v, want tlsCert: does not cover %s", err, host)
	}
	if ids, err := d.Host.ContainerIDs(ctx, d.Name); err != nil || len(ids) != 0 {
		t.Fatalf("a refused preview left containers %v (%v)", ids, err)
	}

	good := ca.Issue(t, []string{host}, testpki.Options{})
	d.SetConfig(ctx, map[string]string{cluster.KeyTLSCert: good.Cert, cluster.KeyTLSKey: good.Key})
	res, took := d.Up(ctx)
	t.Logf("pulumi up with provided certificates: %s", took.Round(time.Millisecond))
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	if deployed.TLSCACert != ca.PEM || deployed.AppEnv[cluster.EnvTLSCACert] != ca.PEM {
		t.Fatalf("outputs publish CA %q and %s %q, want the provided CA", deployed.TLSCACert, cluster.EnvTLSCACert, deployed.AppEnv[cluster.EnvTLSCACert])
	}
	stacktest.RequireHealthy(t, ctx, deployed.Target(true))

	tlsConfig, err := verify.TLSConfigFromPEM(deployed.AppEnv[cluster.EnvTLSCACert])
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig.ServerName = host
	served := leafSerial(t, good.Cert)
	for _, addr := range append(append([]string{}, deployed.Nodes...), deployed.Sentinels...) {
		conn, err := tls.Dial("tcp", addr, tlsConfig)
		if err != nil {
			t.Fatalf("%s: TLS handshake trusting only the provided CA: %v", addr, err)
		}
		if got := conn.ConnectionState().PeerCertificates[0].SerialNumber; got.Cmp(served) != 0 {
			t.Errorf("%s serves certificate %s, want the provided one %s", addr, got, served)
		}
		conn.Close()
	}
	app := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: deployed.MasterName, SentinelAddrs: deployed.Sentinels,
		Username: deployed.AppEnv[cluster.EnvUsername], Password: deployed.AppEnv[cluster.EnvPassword],
		SentinelUsername: deployed.AppEnv[cluster.EnvUsername], SentinelPassword: deployed.AppEnv[cluster.EnvPassword],
		TLSConfig: tlsConfig,
	})
	defer app.Close()
	if err := app.Set(ctx, verify.KeyPrefix+"byo-tls", "v", time.Minute).Err(); err != nil {
		t.Fatalf("app SET through Sentinel over the provided certificates: %v", err)
	}
	t.Run("no key in plaintext", func(t *testing.T) {
		requireNoSecretLeak(t, ctx, d, strings.Split(good.Key, "\n")[1]) // a line of the key's base64, as JSON would hold it
	})
}

// announcedHost is the host a Docker stack on slot announces for every node
// and sentinel (the network's gateway), which its certificate must name.
func announcedHost(t *testing.T, slot stacktest.Slot) string {
	t.Helper()
	c := slot.Config()
	s := cluster.SetDefaults(cluster.Spec{Password: "unused-but-required-1", Docker: cluster.DockerSettings{Subnet: c[cluster.KeyDockerSubnet]}}, "slot")
	l, err := cluster.DockerLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	return l.Sentinels[0].Host
}

func leafSerial(t *testing.T, certPEM string) *big.Int {
	t.Helper()
	block, _ := pem.Decode([]byte(certPEM))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert.SerialNumber
}

// TestDockerStack_TLSInitKeepsTheServedCertificates is the upgrade of a stack
// deployed with password-derived certificates: EnsureTLSMaterial (what `tls
// init`, `make up` and rollout run) stores exactly the certificates it serves,
// so the next preview changes nothing, and from then on the password rotates
// in two live phases while the CA clients trust stays the same.
func TestDockerStack_TLSInitKeepsTheServedCertificates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	d := stacktest.NewDocker(t, ctx, tlsMaterialSlot, map[string]string{cluster.KeyTLS: "true"})
	res, _ := d.Up(ctx)
	before, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	ids := serverContainerIDs(t, ctx, d)

	what, err := automation.EnsureTLSMaterial(ctx, d.Stack)
	if err != nil || what != automation.TLSMaterialKept {
		t.Fatalf("EnsureTLSMaterial = %q, %v; want %q", what, err, automation.TLSMaterialKept)
	}
	if again, err := automation.EnsureTLSMaterial(ctx, d.Stack); err != nil || again != automation.TLSMaterialUnchanged {
		t.Fatalf("a second EnsureTLSMaterial = %q, %v; want nothing to do", again, err)
	}
	preview, err := d.Stack.Preview(ctx, optpreview.SuppressProgress())
	if err != nil {
		t.Fatal(err)
	}
	for op, n := range preview.ChangeSummary {
		if op != apitype.OpSame {
			t.Errorf("after tls init the preview would %s %d resources, want no change: %v", op, n, preview.ChangeSummary)
		}
	}

	old := d.Password
	d.Password = "it-rotated-" + stacktest.RandomHex(12)
	d.SetConfig(ctx, map[string]string{cluster.KeyPreviousPassword: old})
	res, took := d.Up(ctx)
	after, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rotation phase 1 on kept certificates: up %s", took.Round(time.Millisecond))
	if after.TLSCACert != before.TLSCACert {
		t.Fatal("the CA changed with the password")
	}
	if err := d.Stack.RemoveConfig(ctx, automation.ProjectName+":"+cluster.KeyPreviousPassword); err != nil {
		t.Fatal(err)
	}
	res, took = d.Up(ctx)
	if after, err = automation.DeployedFromOutputs(res.Outputs); err != nil {
		t.Fatal(err)
	}
	t.Logf("rotation phase 2: up %s", took.Round(time.Millisecond))
	stacktest.RequireHealthy(t, ctx, after.Target(true))
	if got := serverContainerIDs(t, ctx, d); !maps.Equal(got, ids) {
		t.Errorf("containers replaced: %v, were %v", got, ids)
	}
}
