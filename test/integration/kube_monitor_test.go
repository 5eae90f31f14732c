package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// kubeClient is a client-go client for $KUBECONFIG's cluster.
func kubeClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}

// requireMonitorHealthy waits until the monitor's Deployment is available and
// /health answers 200 with redis.healthy at the one ready endpoint of its
// Service, where its ClusterIP forwards to. The endpoint is asked directly:
// the host routes the pod network (the verifier reaches every pod so), while
// a ClusterIP seen from the host depends on kube-proxy's host rules.
func requireMonitorHealthy(t *testing.T, ctx context.Context, kube kubernetes.Interface, s cluster.Spec, within time.Duration) {
	t.Helper()
	start := time.Now()
	answer := testenv.WaitFor(t, within, "monitor available and healthy behind its Service", func() (string, bool) {
		obs, ok := monitorState(ctx, kube, s)
		if !ok {
			time.Sleep(250 * time.Millisecond)
		}
		return obs, ok
	})
	t.Logf("monitor healthy after %s: %s", time.Since(start).Round(time.Millisecond), answer)
}

// monitorState is one look at the monitor: what was seen, and whether all of
// requireMonitorHealthy holds.
func monitorState(ctx context.Context, kube kubernetes.Interface, s cluster.Spec) (string, bool) {
	ns, name := s.Kubernetes.Namespace, s.MonitorName()
	d, err := kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err.Error(), false
	}
	if st := d.Status; st.ObservedGeneration < d.Generation || st.Replicas != 1 || st.AvailableReplicas != 1 {
		return fmt.Sprintf("deployment %s: %d replicas, %d available", name, st.Replicas, st.AvailableReplicas), false
	}
	list, err := kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	if err != nil {
		return err.Error(), false
	}
	var urls []string
	for _, slice := range list.Items {
		for _, port := range slice.Ports {
			for _, e := range slice.Endpoints {
				if port.Name == nil || *port.Name != "http" || port.Port == nil || e.Conditions.Ready == nil || !*e.Conditions.Ready {
					continue
				}
				for _, ip := range e.Addresses {
					urls = append(urls, "http://"+net.JoinHostPort(ip, fmt.Sprint(*port.Port))+"/health")
				}
			}
		}
	}
	if len(urls) != 1 {
		return fmt.Sprintf("service %s: ready endpoints %v, want one on port http", name, urls), false
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(urls[0])
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var verdict struct {
		Redis struct {
			Healthy bool `json:"healthy"`
		} `json:"redis"`
	}
	err = json.Unmarshal(body, &verdict)
	return fmt.Sprintf("%s: %d %.300s", urls[0], resp.StatusCode, body), err == nil && resp.StatusCode == http.StatusOK && verdict.Redis.Healthy
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}
