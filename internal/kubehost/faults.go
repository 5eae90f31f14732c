package kubehost

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/platform-team/redis-sentinel/verify"
)

// DrillPodDelete names the planned pod deletion drill.
const DrillPodDelete = "pod-delete"

// PodDeleteFault deletes the master's pod as `kubectl delete pod` or a drain
// does (its pre-stop hook hands mastership over first); the StatefulSet
// recreates it under the same name, and the drill then requires it to rejoin
// as a replica. Healing waits for the new pod to be Ready.
func PodDeleteFault(h *Host, within time.Duration) verify.Fault {
	return verify.Fault{Name: DrillPodDelete, Expect: verify.FailoverRequired, Inject: func(ctx context.Context, master string) (verify.FaultHandle, error) {
		pod := PodOf(master)
		uid, err := h.Delete(ctx, pod)
		if err != nil {
			return nil, err
		}
		return verify.FaultFuncs{OnHeal: func(ctx context.Context) error {
			return h.WaitReplaced(ctx, pod, uid, within)
		}}, nil
	}}
}

// Crash implements verify.Faults: the node's pod is deleted with no grace
// period. Its StatefulSet recreates it at once: a pod cannot be held down.
func (h *Host) Crash(ctx context.Context, addr string) error { return h.CrashRestart(ctx, addr) }

// Recover implements verify.Faults: nothing to do, the StatefulSet already
// started the pod again.
func (h *Host) Recover(context.Context, string) error { return nil }

// CrashRestart implements verify.RestartFaults: the node's pod is deleted
// with no grace period (a crash: no pre-stop handover) and its StatefulSet
// starts it again at once, on the same claim.
func (h *Host) CrashRestart(ctx context.Context, addr string) error {
	_, err := h.deleteNow(ctx, PodOf(addr))
	return err
}

// LoseData implements verify.DataLossFaults: the node's claim is deleted,
// then its pod with no grace period, so the StatefulSet starts it again on a
// new, empty claim (a node lost with its local disk).
func (h *Host) LoseData(ctx context.Context, addr string) error {
	pod := PodOf(addr)
	claim := dataClaimPrefix + pod
	if err := h.client.CoreV1().PersistentVolumeClaims(h.Namespace).Delete(ctx, claim, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete claim %s/%s: %w", h.Namespace, claim, err)
	}
	_, err := h.deleteNow(ctx, pod)
	return err
}

// dataClaimPrefix names a data pod's claim: the StatefulSet's claim
// template ("data") and the pod name.
const dataClaimPrefix = "data-"
