package kubecluster_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/kubecluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/pulumimock"
	"github.com/platform-team/redis-sentinel/internal/testpki"
)

const testPassword = "kube-Passw0rd-for-tests"

func testSpec(mutate ...func(*cluster.Spec)) cluster.Spec {
	s := cluster.Spec{Platform: cluster.PlatformKubernetes, Password: testPassword}
	for _, m := range mutate {
		m(&s)
	}
	return cluster.SetDefaults(s, "kt")
}

// deploy runs the component under mocks and returns what it registered.
func deploy(t *testing.T, spec cluster.Spec) *pulumimock.Recorder {
	t.Helper()
	rec, err := pulumimock.Run("redis-sentinel", "kt", func(ctx *pulumi.Context) error {
		_, err := kubecluster.NewKubeSentinelCluster(ctx, "redis", &kubecluster.KubeSentinelClusterArgs{Spec: spec})
		return err
	})
	if err != nil {
		t.Fatalf("NewKubeSentinelCluster: %v", err)
	}
	return rec
}

// dig walks maps by key and slices by index.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

func find(t *testing.T, rec *pulumimock.Recorder, typ, name string) map[string]any {
	t.Helper()
	r := rec.Find(typ, name)
	if r == nil {
		t.Fatalf("no %s %s registered", typ, name)
	}
	return r.Inputs
}

const (
	typeStatefulSet = "kubernetes:apps/v1:StatefulSet"
	typeConfigMap   = "kubernetes:core/v1:ConfigMap"
	typeSecret      = "kubernetes:core/v1:Secret"
	typeService     = "kubernetes:core/v1:Service"
	typeNamespace   = "kubernetes:core/v1:Namespace"
	typePDB         = "kubernetes:policy/v1:PodDisruptionBudget"
	typeJob         = "kubernetes:batch/v1:Job"
)

func TestKubeSentinelCluster_EveryChildIsParented(t *testing.T) {
	rec := deploy(t, testSpec())
	var component string
	for _, r := range rec.Resources() {
		if r.Type == kubecluster.ComponentType {
			component = "urn:pulumi:kt::redis-sentinel::" + kubecluster.ComponentType + "::redis"
		}
	}
	if component == "" {
		t.Fatal("component not registered")
	}
	for _, r := range rec.Resources() {
		if r.Type != kubecluster.ComponentType && r.Parent != component {
			t.Errorf("%s %s has parent %q, want the component", r.Type, r.Name, r.Parent)
		}
	}
}

func TestKubeSentinelCluster_PasswordOnlyInTheSecret(t *testing.T) {
	rec := deploy(t, testSpec())
	for _, r := range rec.Resources() {
		raw, _ := json.Marshal(r.Inputs)
		has := strings.Contains(string(raw), testPassword)
		if r.Type == typeSecret {
			if !has || strings.Join(r.Secret, ",") != "stringData" {
				t.Errorf("Secret: holds the password %v, secret inputs %v; want it in stringData, marked secret", has, r.Secret)
			}
			continue
		}
		if has {
			t.Errorf("%s %s contains the password in plain inputs", r.Type, r.Name)
		}
	}
}

func TestKubeSentinelCluster_Pods(t *testing.T) {
	s := testSpec()
	rec := deploy(t, s)
	for _, tt := range []struct {
		set      string
		replicas float64
		preStop  bool
		memory   string
	}{
		{s.NodeSetName(), 3, true, "512Mi"},
		{s.SentinelSetName(), 3, false, "64Mi"},
	} {
		t.Run(tt.set, func(t *testing.T) {
			set := find(t, rec, typeStatefulSet, tt.set)
			spec := dig(set, "spec")
			pod := dig(spec, "template", "spec")
			c := dig(pod, "containers", 0)
			checks := map[string][2]any{
				"replicas":                 {dig(spec, "replicas"), tt.replicas},
				"serviceName":              {dig(spec, "serviceName"), s.HeadlessServiceName()},
				"podManagementPolicy":      {dig(spec, "podManagementPolicy"), "Parallel"},
				"claims outlive the set":   {dig(spec, "persistentVolumeClaimRetentionPolicy", "whenDeleted"), "Retain"},
				"image":                    {dig(c, "image"), s.Image},
				"imagePullPolicy":          {dig(c, "imagePullPolicy"), "IfNotPresent"},
				"runAsNonRoot":             {dig(pod, "securityContext", "runAsNonRoot"), true},
				"readOnlyRootFilesystem":   {dig(c, "securityContext", "readOnlyRootFilesystem"), true},
				"allowPrivilegeEscalation": {dig(c, "securityContext", "allowPrivilegeEscalation"), false},
				"memory limit":             {dig(c, "resources", "limits", "memory"), tt.memory},
				"readiness probe":          {dig(c, "readinessProbe", "exec", "command", 1), cluster.HealthcheckPath},
				"liveness probe":           {dig(c, "livenessProbe", "exec", "command", 1), cluster.HealthcheckPath},
				"preStop present":          {dig(c, "lifecycle", "preStop") != nil, tt.preStop},
				// A data pod the master guard holds back must not be restarted by liveness.
				"startup probe outlasts the master guard": {startupAllowance(c) >= render.GuardMaxSeconds, tt.preStop},
			}
			for name, got := range checks {
				if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
					t.Errorf("%s = %v, want %v", name, got[0], got[1])
				}
			}
			if dig(c, "resources", "limits", "cpu") != nil {
				t.Error("a CPU limit is set; a throttled master misses heartbeats")
			}
		})
	}
}

// TestKubeSentinelCluster_ProjectedKeysExist: every ConfigMap and Secret key a
// pod mounts exists, or the pod would never start.
func TestKubeSentinelCluster_ProjectedKeysExist(t *testing.T) {
	secured := func(s *cluster.Spec) { s.ACL, s.TLS = true, true }
	for name, s := range map[string]cluster.Spec{"plain": testSpec(), "acl and tls": testSpec(secured)} {
		t.Run(name, func(t *testing.T) {
			rec := deploy(t, s)
			for set, role := range map[string]cluster.Role{s.NodeSetName(): cluster.RoleData, s.SentinelSetName(): cluster.RoleSentinel} {
				requireMountedKeysExist(t, rec, s, set, role)
			}
		})
	}
}

func requireMountedKeysExist(t *testing.T, rec *pulumimock.Recorder, s cluster.Spec, set string, role cluster.Role) {
	t.Helper()
	configMap := dig(find(t, rec, typeConfigMap, s.ConfigMapName(role)), "data").(map[string]any)
	sources, _ := dig(find(t, rec, typeStatefulSet, set), "spec", "template", "spec", "volumes", 0, "projected", "sources").([]any)
	want := 2
	if s.TLS {
		want = 4 // and the certificates (ConfigMap) and the key (TLS Secret)
	}
	if len(sources) != want {
		t.Fatalf("%s: %d projected sources, want %d", set, len(sources), want)
	}
	for _, src := range sources {
		var keys map[string]any
		switch {
		case dig(src, "configMap") != nil:
			if cm := fmt.Sprint(dig(src, "configMap", "name")); !strings.HasPrefix(cm, s.ConfigMapName(role)+"-") {
				t.Errorf("%s mounts ConfigMap %v, want its own role's %s-*", set, cm, s.ConfigMapName(role))
			}
			keys = configMap
		default:
			keys = mountedSecretData(t, rec, s, fmt.Sprint(dig(src, "secret", "name")))
		}
		items, _ := dig(src, "configMap", "items").([]any)
		if secretItems, ok := dig(src, "secret", "items").([]any); ok {
			items = secretItems
		}
		for _, item := range items {
			if key := fmt.Sprint(dig(item, "key")); keys[key] == nil {
				t.Errorf("%s mounts key %q, which does not exist", set, key)
			}
		}
	}
}

// mountedSecretData is the data of the component's Secret a pod mounts by name.
func mountedSecretData(t *testing.T, rec *pulumimock.Recorder, s cluster.Spec, name string) map[string]any {
	t.Helper()
	switch {
	case name == s.CredentialsSecretName():
		return dig(find(t, rec, typeSecret, s.CredentialsSecretName()), "stringData").(map[string]any)
	case strings.HasPrefix(name, s.TLSKeySecretName()+"-"):
		return dig(find(t, rec, typeSecret, s.TLSKeySecretName()), "stringData").(map[string]any)
	}
	t.Fatalf("a pod mounts Secret %q, which the component does not create", name)
	return nil
}

func TestKubeSentinelCluster_AntiAffinity(t *testing.T) {
	for _, tt := range []struct {
		mode cluster.AntiAffinity
		want string // the podAntiAffinity field set, "" for none
	}{
		{cluster.AntiAffinityRequired, "requiredDuringSchedulingIgnoredDuringExecution"},
		{cluster.AntiAffinityPreferred, "preferredDuringSchedulingIgnoredDuringExecution"},
		{cluster.AntiAffinityNone, ""},
	} {
		t.Run(string(tt.mode), func(t *testing.T) {
			s := testSpec(func(s *cluster.Spec) { s.Kubernetes.AntiAffinity = tt.mode })
			rec := deploy(t, s)
			anti, _ := dig(find(t, rec, typeStatefulSet, s.NodeSetName()), "spec", "template", "spec", "affinity", "podAntiAffinity").(map[string]any)
			if tt.want == "" {
				if anti != nil {
					t.Errorf("podAntiAffinity = %v, want none", anti)
				}
				return
			}
			if len(anti) != 1 || anti[tt.want] == nil {
				t.Errorf("podAntiAffinity = %v, want only %s", anti, tt.want)
			}
		})
	}
}

func TestKubeSentinelCluster_Services(t *testing.T) {
	s := testSpec()
	rec := deploy(t, s)
	headless := find(t, rec, typeService, s.HeadlessServiceName())
	if dig(headless, "spec", "clusterIP") != "None" || dig(headless, "spec", "publishNotReadyAddresses") != true {
		t.Errorf("headless service spec = %v, want clusterIP None and publishNotReadyAddresses", dig(headless, "spec"))
	}
	client := find(t, rec, typeService, s.SentinelServiceName())
	if got := dig(client, "spec", "selector", cluster.LabelRole); got != string(cluster.RoleSentinel) {
		t.Errorf("sentinel service selects role %v, want sentinel", got)
	}
	for _, role := range []cluster.Role{cluster.RoleData, cluster.RoleSentinel} {
		pdb := find(t, rec, typePDB, s.DisruptionBudgetName(role))
		if got := dig(pdb, "spec", "maxUnavailable"); fmt.Sprint(got) != "1" {
			t.Errorf("%s PDB maxUnavailable = %v, want 1", role, got)
		}
	}
}

func TestKubeSentinelCluster_ExistingNamespace(t *testing.T) {
	off := false
	s := testSpec(func(s *cluster.Spec) { s.Kubernetes.Namespace, s.Kubernetes.CreateNamespace = "shared", &off })
	rec := deploy(t, s)
	for _, r := range rec.Resources() {
		if r.Type == typeNamespace {
			t.Errorf("namespace %s created although kubernetesCreateNamespace is false", r.Name)
		}
		if ns := dig(r.Inputs, "metadata", "namespace"); r.Type != kubecluster.ComponentType && ns != "shared" {
			t.Errorf("%s %s in namespace %v, want shared", r.Type, r.Name, ns)
		}
	}
}

// TestKubeSentinelCluster_TimersDoNotRollPods: a timer change reruns only the
// settings Job; a change to what pods read at start rolls the StatefulSet.
func TestKubeSentinelCluster_TimersDoNotRollPods(t *testing.T) {
	podTemplates := func(s cluster.Spec) (string, string) {
		rec := deploy(t, s)
		nodes, _ := json.Marshal(dig(find(t, rec, typeStatefulSet, s.NodeSetName()), "spec", "template"))
		var job string
		for _, r := range rec.Resources() {
			if r.Type == typeJob {
				raw, _ := json.Marshal(dig(r.Inputs, "spec", "template"))
				job = string(raw)
			}
		}
		return string(nodes), job
	}
	baseNodes, baseJob := podTemplates(testSpec())
	timerNodes, timerJob := podTemplates(testSpec(func(s *cluster.Spec) { s.Timers.DownAfterMilliseconds = 1234 }))
	if timerNodes != baseNodes {
		t.Error("changing a timer changes the data pods' template (would restart every node)")
	}
	if timerJob == baseJob {
		t.Error("changing a timer leaves the settings Job unchanged (the new value would never be applied)")
	}
	fsyncNodes, _ := podTemplates(testSpec(func(s *cluster.Spec) { s.Persistence.AppendFsync = "always" }))
	if fsyncNodes == baseNodes {
		t.Error("changing appendfsync leaves the data pods' template unchanged (pods would keep the old config)")
	}
}

// Provided TLS material reaches the pods as given: the certificates in the
// role ConfigMaps, the key only in the TLS Secret.
func TestKubeSentinelCluster_ProvidedCertificates(t *testing.T) {
	ca := testpki.NewCA(t, "platform CA")
	s := testSpec(func(s *cluster.Spec) { s.TLS = true })
	l := cluster.KubernetesLayout(s)
	var hosts []string
	for _, e := range append(l.Nodes, l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	issued := ca.Issue(t, append(hosts, s.SentinelServiceAddr().Host), testpki.Options{})
	s.TLSMaterial = cluster.TLSMaterial{CACert: ca.PEM, Cert: issued.Cert, Key: issued.Key}
	if err := cluster.Validate(s); err != nil {
		t.Fatal(err)
	}
	rec := deploy(t, s)
	for _, role := range []cluster.Role{cluster.RoleData, cluster.RoleSentinel} {
		data := dig(find(t, rec, typeConfigMap, s.ConfigMapName(role)), "data").(map[string]any)
		if data["ca.crt"] != ca.PEM || data["tls.crt"] != issued.Cert {
			t.Errorf("%s ConfigMap does not hold the provided CA and certificate", role)
		}
		if _, ok := data["tls.key"]; ok {
			t.Errorf("%s ConfigMap holds the key", role)
		}
	}
	secret := dig(find(t, rec, typeSecret, s.TLSKeySecretName()), "stringData").(map[string]any)
	if secret["tls.key"] != issued.Key || len(secret) != 1 {
		t.Errorf("the TLS Secret holds %d keys, want only the provided key", len(secret))
	}
}

// startupAllowance is how many seconds a container's startup probe allows (0 without one).
func startupAllowance(container any) int {
	probe, ok := dig(container, "startupProbe").(map[string]any)
	if !ok {
		return 0
	}
	period, _ := probe["periodSeconds"].(float64)
	failures, _ := probe["failureThreshold"].(float64)
	return int(period * failures)
}
