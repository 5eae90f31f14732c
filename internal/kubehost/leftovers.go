package kubehost

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// Leftovers lists what of the cluster still exists: its namespace and any
// object in it labelled with the cluster's name, and any persistent volume
// still claimed from that namespace. Empty after a clean destroy (and, for
// volumes, once the storage's reclaim policy has run).
func (h *Host) Leftovers(ctx context.Context) ([]string, error) {
	var left []string
	pvs, err := h.client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list persistent volumes: %w", err)
	}
	for _, pv := range pvs.Items {
		if ref := pv.Spec.ClaimRef; ref != nil && ref.Namespace == h.Namespace {
			left = append(left, fmt.Sprintf("persistentvolume/%s (%s, claimed by %s)", pv.Name, pv.Status.Phase, ref.Name))
		}
	}
	_, err = h.client.CoreV1().Namespaces().Get(ctx, h.Namespace, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return left, nil // nothing can be left inside a deleted namespace
	case err != nil:
		return nil, fmt.Errorf("get namespace %s: %w", h.Namespace, err)
	}
	left = append(left, "namespace/"+h.Namespace)
	opts := metav1.ListOptions{LabelSelector: cluster.LabelCluster + "=" + h.Cluster}
	ns, core := h.Namespace, h.client.CoreV1()
	lists := map[string]func() (runtime.Object, error){
		"pod":                   func() (runtime.Object, error) { return core.Pods(ns).List(ctx, opts) },
		"persistentvolumeclaim": func() (runtime.Object, error) { return core.PersistentVolumeClaims(ns).List(ctx, opts) },
		"service":               func() (runtime.Object, error) { return core.Services(ns).List(ctx, opts) },
		"configmap":             func() (runtime.Object, error) { return core.ConfigMaps(ns).List(ctx, opts) },
		"secret":                func() (runtime.Object, error) { return core.Secrets(ns).List(ctx, opts) },
		"statefulset":           func() (runtime.Object, error) { return h.client.AppsV1().StatefulSets(ns).List(ctx, opts) },
		"job":                   func() (runtime.Object, error) { return h.client.BatchV1().Jobs(ns).List(ctx, opts) },
	}
	for kind, list := range lists {
		obj, err := list()
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", kind, ns, err)
		}
		items, err := meta.ExtractList(obj)
		if err != nil {
			return nil, fmt.Errorf("list %s in %s: %w", kind, ns, err)
		}
		for _, item := range items {
			if m, err := meta.Accessor(item); err == nil {
				left = append(left, kind+"/"+m.GetName())
			}
		}
	}
	sort.Strings(left)
	return left, nil
}
