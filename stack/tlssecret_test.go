package stack_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/kubecluster"
	"github.com/platform-team/redis-sentinel/internal/testpki"
	"github.com/platform-team/redis-sentinel/stack"
)

// The program reads kubernetesTlsSecret through the kubernetes provider's
// connection before it validates: a good Secret deploys with its key in no
// resource; a missing one stops the program, naming the key, with nothing
// created.
func TestProgram_KubernetesTLSSecret(t *testing.T) {
	config := map[string]string{
		cluster.KeyPlatform: "kubernetes", cluster.KeyPassword: testPassword,
		cluster.KeyTLS: "true", cluster.KeyKubeTLSSecret: "redis-tls",
	}
	s := cluster.SetDefaults(cluster.Spec{Platform: cluster.PlatformKubernetes, TLS: true}, "test")
	ca := testpki.NewCA(t, "cert-manager CA")
	l := cluster.KubernetesLayout(s)
	hosts := []string{s.SentinelServiceAddr().Host}
	for _, e := range append(l.Nodes, l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	issued := ca.Issue(t, hosts, testpki.Options{})
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Kubernetes.Namespace, Name: "redis-tls"},
		Data:       map[string][]byte{"ca.crt": []byte(ca.PEM), "tls.crt": []byte(issued.Cert), "tls.key": []byte(issued.Key)},
	}
	useCluster := func(objects ...*corev1.Secret) {
		stack.KubeClient = func(kubecluster.Connection) (kubernetes.Interface, error) {
			client := fake.NewClientset()
			for _, o := range objects {
				_ = client.Tracker().Add(o)
			}
			return client, nil
		}
	}
	defer func(orig func(kubecluster.Connection) (kubernetes.Interface, error)) { stack.KubeClient = orig }(stack.KubeClient)

	useCluster(secret)
	rec, err := run(t, config, stack.Program)
	if err != nil {
		t.Fatalf("Program: %v", err)
	}
	for _, r := range rec.Resources() {
		if raw, _ := json.Marshal(r.Inputs); strings.Contains(string(raw), "PRIVATE KEY") {
			t.Errorf("%s %s holds the Secret's key", r.Type, r.Name)
		}
	}

	useCluster()
	rec, err = run(t, config, stack.Program)
	var invalid *cluster.InvalidSpecError
	if !errors.As(err, &invalid) || invalid.Problems[0].Key != cluster.KeyKubeTLSSecret {
		t.Fatalf("Program without the Secret = %v, want a problem with %s", err, cluster.KeyKubeTLSSecret)
	}
	if n := len(rec.Resources()); n != 0 {
		t.Errorf("%d resources registered before the problem was reported", n)
	}
}
