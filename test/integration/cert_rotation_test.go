package integration

import (
	"context"
	"crypto/tls"
	"maps"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testpki"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestDockerStack_CertificateRotationWithACAChange moves a live TLS (and ACL)
// stack from one CA to another in three `up`s under an app writer that trusts
// exactly the published bundle and switches to it as soon as the outputs
// publish it: (1) the bundle holds the old and the new CA, (2) every process
// serves a certificate from the new CA, (3) the old CA is dropped. Data nodes
// reload their certificates in place, sentinels restart one at a time: no
// container is replaced, no handshake fails, no acknowledged write is lost.
// A change that would strand a process (the new CA alone, straight away) is
// refused before anything changes.
func TestDockerStack_CertificateRotationWithACAChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	host := announcedHost(t, tlsMaterialSlot)
	oldCA, newCA := testpki.NewCA(t, "old CA"), testpki.NewCA(t, "new CA")
	oldCert, newCert := oldCA.Issue(t, []string{host}, testpki.Options{}), newCA.Issue(t, []string{host}, testpki.Options{})
	d := stacktest.NewDocker(t, ctx, tlsMaterialSlot, map[string]string{
		cluster.KeyTLS: "true", cluster.KeyACL: "true", cluster.KeyMinReplicasToWrite: "1",
		cluster.KeyTLSCACert: oldCA.PEM, cluster.KeyTLSCert: oldCert.Cert, cluster.KeyTLSKey: oldCert.Key,
	})
	res, _ := d.Up(ctx)
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	stacktest.RequireHealthy(t, ctx, deployed.Target(true))
	ids, err := d.Host.ContainerIDs(ctx, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	w := startAppWriter(t, deployed)

	phases := []struct {
		name        string
		config      map[string]string
		wantBundle  string
		wantServing *testpki.CA
	}{
		{"1 trust both CAs", map[string]string{cluster.KeyTLSCACert: oldCA.PEM + newCA.PEM}, oldCA.PEM + newCA.PEM, oldCA},
		{"2 serve the new certificate", map[string]string{cluster.KeyTLSCert: newCert.Cert, cluster.KeyTLSKey: newCert.Key}, oldCA.PEM + newCA.PEM, newCA},
		{"3 drop the old CA", map[string]string{cluster.KeyTLSCACert: newCA.PEM}, newCA.PEM, newCA},
	}
	for _, p := range phases {
		d.SetConfig(ctx, p.config)
		res, took := d.Up(ctx)
		if deployed, err = automation.DeployedFromOutputs(res.Outputs); err != nil {
			t.Fatal(err)
		}
		t.Logf("phase %s: up took %s", p.name, took.Round(time.Millisecond))
		if deployed.TLSCACert != p.wantBundle || deployed.AppEnv[cluster.EnvTLSCACert] != p.wantBundle {
			t.Fatalf("phase %s: outputs publish another bundle", p.name)
		}
		requireServedBy(t, deployed, host, p.wantServing)
		w.switchTo(t, deployed)
		time.Sleep(time.Second) // the writer runs on the new bundle for a while
	}
	stats := w.stop(t)
	t.Logf("writer: %d acknowledged, %d lost, %d handshake failures, %d auth failures, %d other errors, longest gap %s",
		stats.acked, stats.lost, stats.tlsFailures, stats.authFailures, stats.otherErrors, stats.longestGap.Round(time.Millisecond))
	if stats.lost != 0 || stats.tlsFailures != 0 || stats.authFailures != 0 {
		t.Errorf("certificate rotation: %d acknowledged writes lost, %d handshake failures, %d auth failures (%v)",
			stats.lost, stats.tlsFailures, stats.authFailures, stats.firstError)
	}
	if got, err := d.Host.ContainerIDs(ctx, d.Name); err != nil || !sameServerContainers(got, ids) {
		t.Errorf("containers replaced by the rotation (%v):\nbefore %v\nafter  %v", err, ids, got)
	}
	target := deployed.Target(true)
	stacktest.RequireHealthy(t, ctx, target)
	// The sentinels fail over on the new certificates (and the tooling's
	// target trusts the new CA alone).
	stacktest.RunDrill(t, ctx, target, verify.DrillCrash, dockerhost.ClusterFaults{Host: d.Host, Cluster: d.Name})

	t.Run("a CA swap without the overlap is refused before anything changes", func(t *testing.T) {
		otherCA := testpki.NewCA(t, "unannounced CA")
		other := otherCA.Issue(t, []string{host}, testpki.Options{})
		before, err := d.Host.ContainerIDs(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		d.SetConfig(ctx, map[string]string{cluster.KeyTLSCACert: otherCA.PEM, cluster.KeyTLSCert: other.Cert, cluster.KeyTLSKey: other.Key})
		start := time.Now()
		_, err = d.Stack.Up(ctx, optup.SuppressProgress())
		t.Logf("refused up took %s", time.Since(start).Round(time.Millisecond))
		if err == nil {
			t.Fatal("up with a new CA alone succeeded")
		}
		if !strings.Contains(err.Error(), "credentials job") {
			t.Errorf("up failed for another reason: %v", err)
		}
		logs, _ := exec.CommandContext(ctx, "docker", "logs", cluster.Spec{Name: d.Name}.CredentialsJobName()).CombinedOutput()
		if !strings.Contains(string(logs), "does not trust") {
			t.Errorf("the job does not say which trust is missing:\n%s", logs)
		}
		requireServedBy(t, deployed, host, newCA)
		after, err := d.Host.ContainerIDs(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		job := cluster.Spec{Name: d.Name}.CredentialsJobName()
		delete(before, job)
		delete(after, job)
		if !maps.Equal(before, after) {
			t.Errorf("a refused rotation changed containers:\nbefore %v\nafter  %v", before, after)
		}
	})
}

// requireServedBy checks that every node and sentinel serves a certificate
// issued by ca.
func requireServedBy(t *testing.T, d automation.Deployed, host string, ca *testpki.CA) {
	t.Helper()
	for _, addr := range append(append([]string{}, d.Nodes...), d.Sentinels...) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: host}) // #nosec: only reads the peer's certificate
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		leaf := conn.ConnectionState().PeerCertificates[0]
		conn.Close()
		if err := leaf.CheckSignatureFrom(ca.Cert); err != nil {
			t.Errorf("%s serves a certificate not issued by %s: %v", addr, ca.Cert.Subject.CommonName, err)
		}
	}
}

// sameServerContainers compares the nodes' and sentinels' container IDs.
func sameServerContainers(a, b map[string]string) bool {
	keep := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for name, id := range m {
			if strings.Contains(name, "-node-") || strings.Contains(name, "-sentinel-") {
				out[name] = id
			}
		}
		return out
	}
	return maps.Equal(keep(a), keep(b))
}
