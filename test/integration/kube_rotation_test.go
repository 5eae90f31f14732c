package integration

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/kubehost"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/internal/testpki"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestKubeStack_RotationWithTheirOwnCertificates is issue 12 on a real
// cluster: the prod profile (ACL, TLS, minReplicasToWrite 1) with the
// certificates from an existing cert-manager style Secret
// (kubernetesTlsSecret) in a namespace the platform team owns. A Secret whose
// certificate does not name the pods is refused before anything is created;
// the good one is served by every pod, its ca.crt published, its key nowhere
// in the state. Then the password is rotated live in two `pulumi up`s under
// an app writer that switches to the new password as soon as the outputs
// publish it: no acknowledged write lost, no authentication or handshake
// failure, no pod replaced or restarted (UIDs and restart counts, checked
// after a liveness period with the kubelet's projection of the Secret still
// catching up), the old password refused, and the sentinels still fail over.
func TestKubeStack_RotationWithTheirOwnCertificates(t *testing.T) {
	dns := testenv.RequireKubernetes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	name, password := "it-rot-"+stacktest.RandomHex(3), "it-"+stacktest.RandomHex(12)
	s, backend := scratchProdStack(t, ctx)
	const secretName = "redis-tls"
	overrides := kubeOverrides(name)
	overrides[cluster.KeyKubeCreateNamespace] = "false"
	overrides[cluster.KeyKubeTLSSecret] = secretName
	if err := automation.SetConfig(ctx, s, overrides, password); err != nil {
		t.Fatal(err)
	}
	kube := kubeClient(t)
	// The namespace and the Secret are the platform team's, made before the stack.
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	destroyed := false
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if !destroyed {
			if _, err := s.Destroy(ctx, optdestroy.ContinueOnError()); err != nil {
				t.Errorf("cleanup destroy: %v", err)
			}
		}
		_ = kube.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	})
	host, err := kubehost.Connect("", name, name)
	if err != nil {
		t.Fatal(err)
	}

	spec, err := automation.SpecOf(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	ca := testpki.NewCA(t, "cert-manager CA")
	other := spec
	other.Name, other.Kubernetes.Namespace = "elsewhere", "elsewhere"
	putTLSSecret(t, ctx, kube, name, secretName, ca, ca.Issue(t, tlsHosts(other), testpki.Options{}))
	start := time.Now()
	_, err = s.Up(ctx, optup.SuppressProgress())
	if err == nil || !strings.Contains(err.Error(), cluster.KeyKubeTLSSecret) || !strings.Contains(err.Error(), "does not cover") {
		t.Fatalf("up with a certificate for other hosts: %v, want it refused naming %s", err, cluster.KeyKubeTLSSecret)
	}
	if pods, err := host.Pods(ctx, ""); err != nil || len(pods) != 0 {
		t.Errorf("after the refused up: %d pods (%v), want none", len(pods), err)
	}
	t.Logf("a certificate that does not name the pods: refused in %s, nothing created", time.Since(start).Round(time.Millisecond))

	issued := ca.Issue(t, tlsHosts(spec), testpki.Options{})
	putTLSSecret(t, ctx, kube, name, secretName, ca, issued)
	start = time.Now()
	res, err := s.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("pulumi up: %v", err)
	}
	t.Logf("pulumi up with the Secret's certificates: %s", time.Since(start).Round(time.Millisecond))
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	if deployed.TLSCACert != ca.PEM || deployed.AppEnv[cluster.EnvTLSCACert] != ca.PEM {
		t.Error("the outputs do not publish the Secret's ca.crt")
	}
	target := deployed.Target(true)
	target.Dialer = verify.DialerVia(dns, 2*time.Second)
	stacktest.RequireHealthy(t, ctx, target)
	requireKeyNotInState(t, backend, issued.Key)
	var old string
	deployed, old = rotateLiveUnderWriter(t, ctx, s, host, deployed, target.Dialer, password)

	target = deployed.Target(true)
	target.Dialer = verify.DialerVia(dns, 2*time.Second)
	stacktest.RequireHealthy(t, ctx, target)
	requireOldPasswordRefused(t, ctx, target, deployed, old)
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	r, err := checker.RunFault(ctx, kubehost.PodDeleteFault(host, 3*time.Minute), verify.DrillOptions{Progress: func(m string) { t.Log(m) }})
	if err != nil {
		t.Fatalf("master pod deleted after the rotation: %v", err)
	}
	t.Logf("master pod deleted after the rotation: new master after %s, %d acked, %d lost", r.FirstSwitch.Round(time.Millisecond), r.WritesAcked, r.WritesLost)
	if r.WritesLost != 0 {
		t.Errorf("%d acknowledged writes lost", r.WritesLost)
	}
	requireKeyNotInState(t, backend, issued.Key)

	if _, err := s.Destroy(ctx); err != nil {
		t.Fatalf("pulumi destroy: %v", err)
	}
	destroyed = true
	if _, err := kube.CoreV1().Secrets(name).Get(ctx, secretName, metav1.GetOptions{}); err != nil {
		t.Errorf("destroy removed the user's Secret: %v", err)
	}
}

// TestKubeStack_PasswordRotationDefaultUser is the same live rotation on a
// stack without ACL and TLS: the default user holds both passwords, and no
// pod is replaced or restarted.
func TestKubeStack_PasswordRotationDefaultUser(t *testing.T) {
	dns := testenv.RequireKubernetes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	name, password := "it-rotd-"+stacktest.RandomHex(3), "it-"+stacktest.RandomHex(12)
	s, _ := scratchProdStack(t, ctx)
	overrides := kubeOverrides(name)
	overrides[cluster.KeyACL], overrides[cluster.KeyTLS] = "false", "false"
	if err := automation.SetConfig(ctx, s, overrides, password); err != nil {
		t.Fatal(err)
	}
	destroyed := destroyOnCleanup(t, s)
	host, err := kubehost.Connect("", name, name)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("pulumi up: %v", err)
	}
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	dialer := verify.DialerVia(dns, 2*time.Second)
	target := deployed.Target(true)
	target.Dialer = dialer
	stacktest.RequireHealthy(t, ctx, target)

	deployed, old := rotateLiveUnderWriter(t, ctx, s, host, deployed, dialer, password)
	target = deployed.Target(true)
	target.Dialer = dialer
	stacktest.RequireHealthy(t, ctx, target)
	requireOldPasswordRefused(t, ctx, target, deployed, old)
	if _, err := s.Destroy(ctx); err != nil {
		t.Fatalf("pulumi destroy: %v", err)
	}
	*destroyed = true
}

// rotateLiveUnderWriter rotates the stack's password in two `pulumi up`s
// under an app writer that switches to the new password as soon as the
// outputs publish it, and requires no acknowledged write lost, no
// authentication or handshake failure and no pod replaced or restarted
// (checked after a liveness period, with the kubelet's projection of the
// Secret still catching up). It returns the new outputs and the old password.
func rotateLiveUnderWriter(t *testing.T, ctx context.Context, s auto.Stack, host *kubehost.Host, deployed automation.Deployed, dialer verify.Dialer, password string) (automation.Deployed, string) {
	t.Helper()
	before := podIdentities(t, ctx, host)

	w := startAppWriterVia(t, deployed, dialer)
	time.Sleep(time.Second)
	old := password
	password = "it-rotated-" + stacktest.RandomHex(12)
	if err := automation.SetConfig(ctx, s, map[string]string{cluster.KeyPreviousPassword: old}, password); err != nil {
		t.Fatal(err)
	}
	rotationStart := time.Now()
	res, err := s.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("phase 1 (both accepted): %v", err)
	}
	t.Logf("phase 1 (both accepted): up took %s, %v", time.Since(rotationStart).Round(time.Millisecond), *res.Summary.ResourceChanges)
	if deployed, err = automation.DeployedFromOutputs(res.Outputs); err != nil {
		t.Fatal(err)
	}
	if deployed.AdminPassword != password {
		t.Fatal("the outputs do not publish the new password")
	}
	w.switchTo(t, deployed)
	time.Sleep(time.Second)
	if err := s.RemoveConfig(ctx, automation.ProjectName+":"+cluster.KeyPreviousPassword); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err = s.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("phase 2 (old removed): %v", err)
	}
	t.Logf("phase 2 (old removed): up took %s, %v; %s after phase 1 began, within the kubelet's sync period (1 min): pods still mount the old password",
		time.Since(start).Round(time.Millisecond), *res.Summary.ResourceChanges, time.Since(rotationStart).Round(time.Millisecond))
	// Past a liveness period (6 x 5 s) and the kubelet's sync: a probe that
	// failed on the stale file would have restarted its container by now.
	time.Sleep(time.Until(rotationStart.Add(75 * time.Second)))
	stats := w.stop(t)
	t.Logf("writer every 10 ms: %d acknowledged, %d lost, %d auth failures, %d handshake failures, %d other errors, longest gap %s",
		stats.acked, stats.lost, stats.authFailures, stats.tlsFailures, stats.otherErrors, stats.longestGap.Round(time.Millisecond))
	if stats.lost != 0 || stats.authFailures != 0 || stats.tlsFailures != 0 {
		t.Errorf("rotation: %d acknowledged writes lost, %d authentication and %d handshake failures (%v)", stats.lost, stats.authFailures, stats.tlsFailures, stats.firstError)
	}
	if after := podIdentities(t, ctx, host); !maps.Equal(after, before) {
		t.Errorf("pods replaced or restarted by the rotation:\nbefore %v\nafter  %v", before, after)
	}
	waitPasswordProjected(t, ctx, host, password, rotationStart)
	return deployed, old
}

// waitPasswordProjected waits until the kubelet has projected the new
// password into every node and sentinel pod (kubectl exec): until then a
// pod's pre-stop authenticates with the old one, refused after phase 2, and
// cannot hand over, so a pod deletion in that window is no handover drill.
func waitPasswordProjected(t *testing.T, ctx context.Context, host *kubehost.Host, password string, since time.Time) {
	t.Helper()
	kubectl := filepath.Join(testenv.RepoRoot(), ".tools", "kube", "bin", "kubectl")
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var stale []string
		for _, p := range clusterPods(t, ctx, host) {
			out, err := exec.CommandContext(ctx, kubectl, "-n", host.Namespace, "exec", p.Name, "--", "cat", cluster.PasswordFilePath).Output()
			if err != nil || strings.TrimSpace(string(out)) != password {
				stale = append(stale, p.Name)
			}
		}
		if len(stale) == 0 {
			t.Logf("the kubelet projected the new password into every pod %s after phase 1 began", time.Since(since).Round(time.Second))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pods %v still mount a stale password %s after phase 1 began", stale, time.Since(since).Round(time.Second))
		}
		time.Sleep(2 * time.Second)
	}
}

// tlsHosts are the names a certificate must cover: every pod and the
// sentinels' Service.
func tlsHosts(s cluster.Spec) []string {
	l := cluster.KubernetesLayout(s)
	hosts := []string{s.SentinelServiceAddr().Host}
	for _, e := range append(l.Nodes, l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	return hosts
}

// putTLSSecret writes the Secret as cert-manager would (type kubernetes.io/tls).
func putTLSSecret(t *testing.T, ctx context.Context, kube kubernetes.Interface, namespace, name string, ca *testpki.CA, issued testpki.Issued) {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"ca.crt": []byte(ca.PEM), "tls.crt": []byte(issued.Cert), "tls.key": []byte(issued.Key)},
	}
	secrets := kube.CoreV1().Secrets(namespace)
	if _, err := secrets.Get(ctx, name, metav1.GetOptions{}); err == nil {
		_, err = secrets.Update(ctx, secret, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := secrets.Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// podIdentities are every node and sentinel pod's UID with its containers'
// restart count: a replacement changes the first, a restart the second.
func podIdentities(t *testing.T, ctx context.Context, host *kubehost.Host) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range clusterPods(t, ctx, host) {
		restarts := int32(0)
		for _, c := range p.Status.ContainerStatuses {
			restarts += c.RestartCount
		}
		out[p.Name] = string(p.UID) + fmt.Sprintf(" restarts=%d", restarts)
	}
	return out
}

// clusterPods are every node and sentinel pod (no Job or monitor pod).
func clusterPods(t *testing.T, ctx context.Context, host *kubehost.Host) []corev1.Pod {
	t.Helper()
	var all []corev1.Pod
	for _, role := range []cluster.Role{cluster.RoleData, cluster.RoleSentinel} {
		pods, err := host.Pods(ctx, role)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pods...)
	}
	return all
}

// requireKeyNotInState checks the stored state files for the key's PEM body.
func requireKeyNotInState(t *testing.T, backend, key string) {
	t.Helper()
	body := strings.Split(strings.TrimSpace(key), "\n")[1] // a line of the base64 body
	err := filepath.WalkDir(backend, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), body) {
			t.Errorf("the Secret's key is in the Pulumi state file %s", filepath.Base(path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
