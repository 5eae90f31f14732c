package kubehost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod deleted with no grace period is no crash: the kubelet still gives it
// its minimum grace and runs the pre-stop hook, which hands mastership over
// (measured here: the sentinels named a new master 1.7 s after such a
// deletion, with down-after 5 s). A crash is the container's processes
// killed with no warning; the kubelet then restarts the container in place,
// on the same claim. Only the node the pod runs on can do that, so these
// faults work where that node is this machine (the local cluster of
// scripts/kube): the container's processes are found by its ID in
// /proc/*/cgroup and SIGKILLed.

// CrashRestart implements verify.RestartFaults: the node's container is
// killed and the kubelet restarts it in place. It returns once it runs again.
func (h *Host) CrashRestart(ctx context.Context, addr string) error {
	pod := PodOf(addr)
	restarts, err := h.killContainer(ctx, pod)
	if err != nil {
		return err
	}
	return h.poll(ctx, 30*time.Second, "container of "+pod+" restarted by the kubelet", func() (bool, error) {
		p, err := h.Pod(ctx, pod)
		if err != nil || p == nil || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount > restarts && s.State.Running != nil, nil
	})
}

// LoseData implements verify.DataLossFaults: the node's claim is deleted,
// its container killed (no pre-stop hook: no handover) and its pod deleted,
// so the StatefulSet starts it again on a new, empty claim, as after the
// loss of a node with its local disk.
func (h *Host) LoseData(ctx context.Context, addr string) error {
	pod := PodOf(addr)
	claim := dataClaimPrefix + pod
	if err := h.client.CoreV1().PersistentVolumeClaims(h.Namespace).Delete(ctx, claim, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete claim %s/%s: %w", h.Namespace, claim, err)
	}
	if _, err := h.killContainer(ctx, pod); err != nil {
		return err
	}
	_, err := h.deleteNow(ctx, pod)
	return err
}

// dataClaimPrefix names a data pod's claim: the StatefulSet's claim
// template ("data") and the pod name.
const dataClaimPrefix = "data-"

// killContainer SIGKILLs every process of pod's first container and returns
// its restart count from before.
func (h *Host) killContainer(ctx context.Context, pod string) (int32, error) {
	p, err := h.Pod(ctx, pod)
	if err != nil || p == nil || len(p.Status.ContainerStatuses) == 0 {
		return 0, errors.Join(err, fmt.Errorf("pod %s/%s: no container status", h.Namespace, pod))
	}
	status := p.Status.ContainerStatuses[0]
	_, id, _ := strings.Cut(status.ContainerID, "://")
	if id == "" {
		return 0, fmt.Errorf("pod %s/%s: container not started", h.Namespace, pod)
	}
	pids, err := processesOfContainer(id)
	if err != nil {
		return 0, err
	}
	if len(pids) == 0 {
		return 0, fmt.Errorf("pod %s/%s: no process of container %.12s on this machine (its node must be this host)", h.Namespace, pod, id)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return 0, fmt.Errorf("pod %s/%s: kill pid %d: %w", h.Namespace, pod, pid, err)
		}
	}
	return status.RestartCount, nil
}

// processesOfContainer lists the PIDs whose cgroup names the container ID.
func processesOfContainer(id string) ([]int, error) {
	cgroups, err := filepath.Glob("/proc/[0-9]*/cgroup")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, path := range cgroups {
		data, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(data), id) {
			continue // gone meanwhile, or another container's
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(path))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
