package kubehost

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PasswordOutsideSecrets lists every place in the namespace, other than
// Secrets, where password appears: ConfigMaps, pod, StatefulSet and Job specs
// (command lines, env, annotations) and every container's log.
func (h *Host) PasswordOutsideSecrets(ctx context.Context, password string) ([]string, error) {
	var hits []string
	ns, core := h.Namespace, h.client.CoreV1()
	check := func(kind, name string, obj any) {
		raw, _ := json.Marshal(obj)
		if strings.Contains(string(raw), password) {
			hits = append(hits, kind+"/"+name)
		}
	}
	all := metav1.ListOptions{}
	configMaps, err := core.ConfigMaps(ns).List(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list configmaps in %s: %w", ns, err)
	}
	for _, cm := range configMaps.Items {
		check("configmap", cm.Name, cm)
	}
	sets, err := h.client.AppsV1().StatefulSets(ns).List(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list statefulsets in %s: %w", ns, err)
	}
	for _, s := range sets.Items {
		check("statefulset", s.Name, s)
	}
	jobs, err := h.client.BatchV1().Jobs(ns).List(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list jobs in %s: %w", ns, err)
	}
	for _, j := range jobs.Items {
		check("job", j.Name, j)
	}
	pods, err := core.Pods(ns).List(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	for _, p := range pods.Items {
		check("pod", p.Name, p)
		for _, c := range p.Spec.Containers {
			logs, err := core.Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name}).DoRaw(ctx)
			if err != nil {
				return nil, fmt.Errorf("logs of %s/%s: %w", p.Name, c.Name, err)
			}
			if strings.Contains(string(logs), password) {
				hits = append(hits, "log/"+p.Name+"/"+c.Name)
			}
		}
	}
	return hits, nil
}
