package kubehost

import (
	"context"
	"time"

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

// Crash implements verify.Faults: the node's container is killed (see
// CrashRestart); the kubelet restarts it at once: a pod cannot be held down.
func (h *Host) Crash(ctx context.Context, addr string) error { return h.CrashRestart(ctx, addr) }

// Recover implements verify.Faults: nothing to do, the kubelet already
// started the container again.
func (h *Host) Recover(context.Context, string) error { return nil }
