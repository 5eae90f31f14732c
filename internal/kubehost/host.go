// Package kubehost acts on a cluster's pods through the Kubernetes API
// (client-go): what drills and tests do to Kubernetes stacks, as dockerhost
// does for Docker stacks.
package kubehost

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// Host is one Kubernetes namespace holding a cluster.
type Host struct {
	client    kubernetes.Interface
	Namespace string
	// Cluster is the cluster's name (the cluster.LabelCluster value).
	Cluster string
}

// Connect uses the standard kubeconfig rules ($KUBECONFIG, else
// ~/.kube/config) and the given context ("" for the current one).
func Connect(kubeContext, namespace, clusterName string) (*Host, error) {
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(),
		&clientcmd.ConfigOverrides{CurrentContext: kubeContext},
	).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client for %s: %w", cfg.Host, err)
	}
	return &Host{client: client, Namespace: namespace, Cluster: clusterName}, nil
}

// PodOf names the pod behind an announced address: the first label of
// <pod>.<headless service>.<namespace>.svc.<domain>:<port>.
func PodOf(addr string) string {
	host, _, _ := strings.Cut(addr, ":")
	pod, _, _ := strings.Cut(host, ".")
	return pod
}

// Pod returns a pod, or nil when it does not exist.
func (h *Host) Pod(ctx context.Context, name string) (*corev1.Pod, error) {
	pod, err := h.client.CoreV1().Pods(h.Namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get pod %s/%s: %w", h.Namespace, name, err)
	}
	return pod, nil
}

// Pods lists the cluster's pods of a role ("" for every role).
func (h *Host) Pods(ctx context.Context, role cluster.Role) ([]corev1.Pod, error) {
	selector := cluster.LabelCluster + "=" + h.Cluster
	if role != "" {
		selector += "," + cluster.LabelRole + "=" + string(role)
	}
	list, err := h.client.CoreV1().Pods(h.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list pods %s in %s: %w", selector, h.Namespace, err)
	}
	return list.Items, nil
}

// Delete deletes a pod the way a drain or `kubectl delete pod` does: with its
// grace period, so its pre-stop hook runs. It returns the deleted pod's UID.
func (h *Host) Delete(ctx context.Context, name string) (types.UID, error) {
	pod, err := h.Pod(ctx, name)
	if err != nil {
		return "", err
	}
	if pod == nil {
		return "", fmt.Errorf("pod %s/%s does not exist", h.Namespace, name)
	}
	err = h.client.CoreV1().Pods(h.Namespace).Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil {
		return "", fmt.Errorf("delete pod %s/%s: %w", h.Namespace, name, err)
	}
	return pod.UID, nil
}

// WaitReplaced waits until pod name exists again with a UID other than old
// and is Ready.
func (h *Host) WaitReplaced(ctx context.Context, name string, old types.UID, within time.Duration) error {
	return h.poll(ctx, within, fmt.Sprintf("pod %s replaced and ready", name), func() (bool, error) {
		pod, err := h.Pod(ctx, name)
		if err != nil || pod == nil {
			return false, err
		}
		return pod.UID != old && pod.DeletionTimestamp == nil && Ready(pod), nil
	})
}

// WaitAllReady waits until want pods of the cluster exist, none of them
// terminating or among the given old UIDs, and all are Ready.
func (h *Host) WaitAllReady(ctx context.Context, want int, old map[types.UID]bool, within time.Duration) error {
	return h.poll(ctx, within, fmt.Sprintf("%d new pods ready", want), func() (bool, error) {
		pods, err := h.Pods(ctx, "")
		if err != nil {
			return false, err
		}
		ready := 0
		for i := range pods {
			p := &pods[i]
			if p.Status.Phase == corev1.PodSucceeded {
				continue // a finished settings Job pod
			}
			if old[p.UID] || p.DeletionTimestamp != nil || !Ready(p) {
				return false, nil
			}
			ready++
		}
		return ready == want, nil
	})
}

// Ready reports the pod's Ready condition.
func Ready(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (h *Host) poll(ctx context.Context, within time.Duration, what string, done func() (bool, error)) error {
	deadline := time.Now().Add(within)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := done()
		if ok {
			return nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: not within %s (last error: %v)", what, within, lastErr)
}

// WaitRolledOut waits until StatefulSet name's controller has observed its
// latest spec and every replica runs the update revision and is Ready (what
// `kubectl rollout status` waits for). `pulumi up` may return earlier: the
// provider's await can read the status before the controller saw the update.
func (h *Host) WaitRolledOut(ctx context.Context, name string, within time.Duration) error {
	return h.poll(ctx, within, "statefulset "+name+" rolled out", func() (bool, error) {
		set, err := h.client.AppsV1().StatefulSets(h.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("get statefulset %s/%s: %w", h.Namespace, name, err)
		}
		st, want := set.Status, int32(1)
		if set.Spec.Replicas != nil {
			want = *set.Spec.Replicas
		}
		return st.ObservedGeneration >= set.Generation && st.UpdatedReplicas == want &&
			st.ReadyReplicas == want && st.CurrentRevision == st.UpdateRevision, nil
	})
}
