package kubehost

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/soak"
	"github.com/platform-team/redis-sentinel/verify"
)

// SoakKinds are the Kubernetes faults a soak draws from: the master's pod
// deleted as a drain does (pre-stop handover), the master's container
// killed and restarted in place by the kubelet (a crash: no handover; see
// CrashRestart for why a grace-0 deletion is not one), the master's claim
// and pod lost with it (back on an empty claim), and every pod deleted at
// once. Each heal waits for the pods to be Ready. A crashed container cannot
// be held down, so whether Sentinel fails over depends on the master guard
// (render's masterGuard): back before down-after, it must not serve.
func SoakKinds(h *Host, within time.Duration) []soak.Kind {
	return []soak.Kind{
		{Name: "pod-delete", MayOverlap: true, Fault: PodDeleteFault(h, within)},
		{Name: "pod-crash", MayOverlap: true, Fault: verify.CrashRestartFault(h)},
		{Name: "pod-data-loss", MayOverlap: true, Fault: verify.Fault{Name: "pod-data-loss", Inject: func(ctx context.Context, master string) (verify.FaultHandle, error) {
			pod := PodOf(master)
			old, err := h.Pod(ctx, pod)
			if err != nil || old == nil {
				return nil, fmt.Errorf("pod %s/%s: %w", h.Namespace, pod, err)
			}
			if err := h.LoseData(ctx, master); err != nil {
				return nil, err
			}
			return verify.FaultFuncs{OnHeal: func(ctx context.Context) error { return h.WaitReplaced(ctx, pod, old.UID, within) }}, nil
		}}},
		{Name: "all-pods-deleted", Fault: verify.Fault{Name: "all-pods-deleted", Inject: func(ctx context.Context, _ string) (verify.FaultHandle, error) {
			old, err := h.deleteAll(ctx)
			if err != nil {
				return nil, err
			}
			return verify.FaultFuncs{OnHeal: func(ctx context.Context) error { return h.WaitAllReady(ctx, len(old), old, within) }}, nil
		}}},
	}
}

// deleteNow deletes a pod with no grace period: no pre-stop hook, the
// process is killed.
func (h *Host) deleteNow(ctx context.Context, name string) (types.UID, error) {
	pod, err := h.Pod(ctx, name)
	if err != nil || pod == nil {
		return "", fmt.Errorf("pod %s/%s: %w", h.Namespace, name, err)
	}
	grace := int64(0)
	err = h.client.CoreV1().Pods(h.Namespace).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &grace, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil {
		return "", fmt.Errorf("delete pod %s/%s now: %w", h.Namespace, name, err)
	}
	return pod.UID, nil
}

// deleteAll deletes every running pod of the cluster (a finished settings
// Job pod excepted) with its grace period, and returns their UIDs.
func (h *Host) deleteAll(ctx context.Context) (map[types.UID]bool, error) {
	pods, err := h.Pods(ctx, "")
	if err != nil {
		return nil, err
	}
	old := map[types.UID]bool{}
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || p.Labels[cluster.LabelRole] == string(cluster.RoleSettings) {
			continue
		}
		old[p.UID] = true
		if err := h.client.CoreV1().Pods(h.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
			return nil, fmt.Errorf("delete pod %s/%s: %w", h.Namespace, p.Name, err)
		}
	}
	return old, nil
}
