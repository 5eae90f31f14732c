package cluster

import "fmt"

// Kubernetes object names. Pods of a StatefulSet are named <set>-<ordinal>,
// so NodeSetName's pods are exactly NodeName(i) and SentinelSetName's are
// SentinelName(i): the names tools and the verifier use on every platform.

// NodeSetName is the data nodes' StatefulSet.
func (s Spec) NodeSetName() string { return s.Name + "-node" }

// SentinelSetName is the sentinels' StatefulSet.
func (s Spec) SentinelSetName() string { return s.Name + "-sentinel" }

// HeadlessServiceName governs both StatefulSets: it gives every pod a stable
// DNS name, published before the pod is ready so bootstrap can resolve peers.
func (s Spec) HeadlessServiceName() string { return s.Name + "-headless" }

// SentinelServiceName is the client Service in front of the sentinels.
func (s Spec) SentinelServiceName() string { return s.Name + "-sentinel" }

// ConfigMapName holds role r's rendered, password-free configs and scripts
// (the logical name: the object is auto-named from it).
func (s Spec) ConfigMapName(r Role) string { return fmt.Sprintf("%s-%s-config", s.Name, r) }

// CredentialsSecretName holds the password and the auth fragments derived
// from it; its name is fixed, so a rotation updates it in place.
func (s Spec) CredentialsSecretName() string { return s.Name + "-credentials" }

// TLSKeySecretName holds the TLS key (the logical name: the object is
// auto-named from it, so a new key rolls the pods).
func (s Spec) TLSKeySecretName() string { return s.Name + "-tls" }

// DisruptionBudgetName is the PodDisruptionBudget of role r.
func (s Spec) DisruptionBudgetName(r Role) string { return fmt.Sprintf("%s-%s", s.Name, r) }

// PodDNSName is a pod's stable name under the headless Service.
func (s Spec) PodDNSName(pod string) string {
	return fmt.Sprintf("%s.%s.%s.svc.%s", pod, s.HeadlessServiceName(), s.Kubernetes.Namespace, s.Kubernetes.ClusterDomain)
}

// SentinelServiceAddr is the sentinel client Service's in-cluster address.
func (s Spec) SentinelServiceAddr() Endpoint {
	return Endpoint{
		Host: fmt.Sprintf("%s.%s.svc.%s", s.SentinelServiceName(), s.Kubernetes.Namespace, s.Kubernetes.ClusterDomain),
		Port: s.Ports.Sentinel,
	}
}

// KubernetesLayout announces every pod by its stable DNS name on its
// container port. A pod keeps its name across restarts and rescheduling while
// its IP changes, so Sentinel must hand out names (announce-hostnames), never IPs.
func KubernetesLayout(s Spec) Layout {
	l := Layout{}
	for i := range s.DataNodeCount() {
		l.Nodes = append(l.Nodes, Endpoint{Host: s.PodDNSName(s.NodeName(i)), Port: s.Ports.Redis})
	}
	for i := range s.Sentinels {
		l.Sentinels = append(l.Sentinels, Endpoint{Host: s.PodDNSName(s.SentinelName(i)), Port: s.Ports.Sentinel})
	}
	return l
}
