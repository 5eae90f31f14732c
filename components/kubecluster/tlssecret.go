package kubecluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// A kubernetesTlsSecret stays the user's: the pods mount it by name, and the
// stack reads it with client-go at every preview and up, in memory only, to
// validate it against the cluster's names and to publish its ca.crt. Nothing
// else of it reaches a resource or the state; the pod template carries the
// certificates' SHA-256, so a renewed certificate (cert-manager rewrites the
// Secret in place) rolls the pods, with their pre-stop handovers, on the next up.

// Connection is how the stack program reaches the cluster its kubernetes
// provider deploys to: the provider's kubernetes:kubeconfig (a path or the
// file's content) and kubernetes:context, else $KUBECONFIG or ~/.kube/config.
type Connection struct {
	Kubeconfig string
	Context    string
}

// Client is a client-go clientset for the connection.
func (c Connection) Client() (kubernetes.Interface, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	overrides := &clientcmd.ConfigOverrides{CurrentContext: c.Context}
	var loader clientcmd.ClientConfig
	if strings.Contains(c.Kubeconfig, "\n") { // the content, as kubernetes:kubeconfig allows
		raw, err := clientcmd.Load([]byte(c.Kubeconfig))
		if err != nil {
			return nil, fmt.Errorf("kubernetes:kubeconfig: %w", err)
		}
		loader = clientcmd.NewNonInteractiveClientConfig(*raw, c.Context, overrides, nil)
	} else {
		if c.Kubeconfig != "" {
			rules.ExplicitPath = c.Kubeconfig
		}
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client for %s: %w", cfg.Host, err)
	}
	return client, nil
}

// ReadTLSSecret returns s with its TLSMaterial read from s's
// kubernetesTlsSecret (unchanged when none is set), for cluster.Validate to
// check. A Secret that cannot be read is reported under the key.
func ReadTLSSecret(ctx context.Context, client kubernetes.Interface, s cluster.Spec) (cluster.Spec, error) {
	name := s.Kubernetes.TLSSecret
	if name == "" || s.Platform != cluster.PlatformKubernetes || s.TLSMaterial.IsSet() {
		return s, nil // nothing to read, or a conflict cluster.Validate reports
	}
	ns := s.Kubernetes.Namespace
	problem := func(rule string) error {
		return &cluster.InvalidSpecError{Problems: []cluster.Problem{{Key: cluster.KeyKubeTLSSecret, Rule: rule}}}
	}
	secret, err := client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return s, problem(fmt.Sprintf("Secret %s/%s does not exist: create it in the stack's namespace first "+
			"(kubectl -n %s create secret generic %s --from-file=tls.crt --from-file=tls.key --from-file=ca.crt, or a cert-manager Certificate)", ns, name, ns, name))
	case apierrors.IsForbidden(err):
		return s, problem(fmt.Sprintf("Secret %s/%s cannot be read with this kubeconfig (the stack reads it to validate it): %v", ns, name, err))
	case err != nil:
		return s, fmt.Errorf("%s: read Secret %s/%s: %w", cluster.KeyKubeTLSSecret, ns, name, err)
	}
	s.TLSMaterial = cluster.TLSMaterial{
		CACert: string(secret.Data[cluster.TLSSecretCACert]),
		Cert:   string(secret.Data[cluster.TLSSecretCert]),
		Key:    string(secret.Data[cluster.TLSSecretKey]),
		Secret: ns + "/" + name,
	}
	return s, nil
}

// tlsSecretDigest is the SHA-256 of a Secret's certificates, what the pod
// template carries so a renewal rolls the pods.
func tlsSecretDigest(m cluster.TLSMaterial) string {
	sum := sha256.Sum256([]byte(m.CACert + "\x00" + m.Cert))
	return hex.EncodeToString(sum[:])
}
