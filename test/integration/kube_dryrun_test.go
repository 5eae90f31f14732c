package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/pulumimock"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/stack"
)

// TestKubeManifests_ServerSideDryRun renders the prod stack's Kubernetes
// objects (the program under Pulumi mocks, so no provider is needed) and has
// a real kube-apiserver validate each one: a server-side dry-run create with
// strict field validation, which runs defaulting, schema and admission checks.
func TestKubeManifests_ServerSideDryRun(t *testing.T) {
	testenv.RequireKubeAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	config := stackConfig(t, "Pulumi.prod.yaml")
	name := "dryrun-" + stacktest.RandomHex(3)
	config[cluster.KeyName] = name
	config[cluster.KeyKubeNamespace] = name
	config[cluster.KeyPassword] = "dry-run-" + stacktest.RandomHex(12)
	rec, err := pulumimock.Run(stack.ConfigNamespace, "prod", stack.Program,
		pulumimock.Config(stack.ConfigNamespace, config, cluster.KeyPassword), pulumimock.ProviderConfig(stack.ProviderSettings))
	if err != nil {
		t.Fatalf("program: %v", err)
	}

	restConfig, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	typed := kubernetes.NewForConfigOrDie(restConfig)
	dyn := dynamic.NewForConfigOrDie(restConfig)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(restConfig)))

	// Namespaced objects can only be dry-run into a namespace that exists.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := typed.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() { _ = typed.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })

	validated := 0
	for _, r := range rec.Resources() {
		gv, kind, ok := kubeType(r.Type)
		if !ok {
			continue
		}
		obj := &unstructured.Unstructured{Object: r.Inputs}
		obj.SetAPIVersion(gv.String())
		obj.SetKind(kind)
		if obj.GetName() == "" { // Pulumi auto-names these (the settings Job)
			obj.SetName(r.Name + "-dryrun")
		}
		mapping, err := mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: kind}, gv.Version)
		if err != nil {
			t.Errorf("%s %s: the API server does not serve %s: %v", kind, obj.GetName(), gv.WithKind(kind), err)
			continue
		}
		client := dyn.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		if obj.GetNamespace() == "" {
			client = dyn.Resource(mapping.Resource).Namespace("")
		}
		opts := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict}
		if kind == "Namespace" {
			continue // created for real above, with the same name
		}
		if _, err := client.Create(ctx, obj, opts); err != nil {
			t.Errorf("server-side dry-run of %s %s/%s: %v", kind, obj.GetNamespace(), obj.GetName(), err)
			continue
		}
		validated++
	}
	t.Logf("kube-apiserver accepted %d rendered objects of the prod stack (dry-run, strict field validation)", validated)
	if validated < 9 {
		t.Errorf("only %d objects validated; the program rendered fewer Kubernetes objects than expected", validated)
	}
}

// kubeType maps a pulumi-kubernetes type token ("kubernetes:apps/v1:StatefulSet")
// to its group/version and kind.
func kubeType(token string) (schema.GroupVersion, string, bool) {
	parts := strings.Split(token, ":")
	if len(parts) != 3 || parts[0] != "kubernetes" {
		return schema.GroupVersion{}, "", false
	}
	group, version, _ := strings.Cut(parts[1], "/")
	if group == "core" {
		group = ""
	}
	return schema.GroupVersion{Group: group, Version: version}, parts[2], true
}

// stackConfig reads a committed stack file's project keys (without the prefix).
func stackConfig(t *testing.T, file string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), file))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := map[string]string{}
	for k, v := range doc.Config {
		if key, ok := strings.CutPrefix(k, stack.ConfigNamespace+":"); ok {
			out[key] = fmt.Sprint(v)
		}
	}
	return out
}
