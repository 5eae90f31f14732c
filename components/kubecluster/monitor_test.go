package kubecluster_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/kubecluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/pulumimock"
	"github.com/platform-team/redis-sentinel/monitoring"
)

const (
	typeDeployment     = "kubernetes:apps/v1:Deployment"
	typeServiceMonitor = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
	typePrometheusRule = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
)

// byRole returns the registered objects of a type labelled with role.
func byRole(rec *pulumimock.Recorder, typ string, role cluster.Role) []pulumimock.Resource {
	var out []pulumimock.Resource
	for _, r := range rec.Resources() {
		if r.Type == typ && dig(r.Inputs, "metadata", "labels", cluster.LabelRole) == string(role) {
			out = append(out, r)
		}
	}
	return out
}

func oneByRole(t *testing.T, rec *pulumimock.Recorder, typ string, role cluster.Role) pulumimock.Resource {
	t.Helper()
	found := byRole(rec, typ, role)
	if len(found) != 1 {
		t.Fatalf("%d %s objects with role %s, want 1", len(found), typ, role)
	}
	return found[0]
}

func checkAll(t *testing.T, checks map[string][2]any) {
	t.Helper()
	for name, got := range checks {
		if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
			t.Errorf("%s = %v, want %v", name, got[0], got[1])
		}
	}
}

var monitorSpecs = map[string]func(*cluster.Spec){
	"sentinel":                func(*cluster.Spec) {},
	"sentinel with acl & tls": func(s *cluster.Spec) { s.ACL, s.TLS = true, true },
	"standalone":              func(s *cluster.Spec) { s.Mode = cluster.ModeStandalone },
	"standalone with acl":     func(s *cluster.Spec) { s.Mode, s.ACL = cluster.ModeStandalone, true },
}

func TestKubeSentinelCluster_MonitorDeployment(t *testing.T) {
	for name, mutate := range monitorSpecs {
		t.Run(name, func(t *testing.T) {
			s := testSpec(mutate)
			rec := deploy(t, s)
			d := find(t, rec, typeDeployment, s.MonitorName())
			spec := dig(d, "spec")
			pod := dig(spec, "template", "spec")
			c := dig(pod, "containers", 0)
			command, _ := json.Marshal(dig(c, "command"))
			wantCommand, _ := json.Marshal(append([]string{cluster.MonitorBinaryPath}, render.MonitorArgs()...))
			checkAll(t, map[string][2]any{
				"name":                     {dig(d, "metadata", "name"), s.MonitorName()},
				"replicas":                 {dig(spec, "replicas"), 1},
				"selector role":            {dig(spec, "selector", "matchLabels", cluster.LabelRole), cluster.RoleMonitor},
				"pod role":                 {dig(spec, "template", "metadata", "labels", cluster.LabelRole), cluster.RoleMonitor},
				"image":                    {dig(c, "image"), s.Monitor.Image},
				"imagePullPolicy":          {dig(c, "imagePullPolicy"), "IfNotPresent"},
				"command":                  {string(command), string(wantCommand)},
				"port":                     {dig(c, "ports", 0, "containerPort"), cluster.MonitorPort},
				"port name":                {dig(c, "ports", 0, "name"), "http"},
				"runAsNonRoot":             {dig(pod, "securityContext", "runAsNonRoot"), true},
				"runAsUser":                {dig(pod, "securityContext", "runAsUser"), cluster.MonitorUID},
				"runAsGroup":               {dig(pod, "securityContext", "runAsGroup"), cluster.MonitorUID},
				"fsGroup":                  {dig(pod, "securityContext", "fsGroup"), cluster.MonitorUID},
				"seccomp":                  {dig(pod, "securityContext", "seccompProfile", "type"), "RuntimeDefault"},
				"service account token":    {dig(pod, "automountServiceAccountToken"), false},
				"readOnlyRootFilesystem":   {dig(c, "securityContext", "readOnlyRootFilesystem"), true},
				"allowPrivilegeEscalation": {dig(c, "securityContext", "allowPrivilegeEscalation"), false},
				"capabilities":             {dig(c, "securityContext", "capabilities", "drop"), []any{"ALL"}},
				"liveness":                 {dig(c, "livenessProbe", "httpGet", "path"), "/livez"},
				"liveness port":            {dig(c, "livenessProbe", "httpGet", "port"), "http"},
				// /health would drop the monitor from its Service during an outage.
				"readiness":      {dig(c, "readinessProbe", "httpGet", "path"), "/livez"},
				"cpu request":    {dig(c, "resources", "requests", "cpu"), "10m"},
				"memory request": {dig(c, "resources", "requests", "memory"), "32Mi"},
				"memory limit":   {dig(c, "resources", "limits", "memory"), "128Mi"},
				"mount":          {dig(c, "volumeMounts", 0, "mountPath"), "/etc/redis-sentinel"},
				"mount readOnly": {dig(c, "volumeMounts", 0, "readOnly"), true},
				"file mode":      {dig(pod, "volumes", 0, "projected", "defaultMode"), 0o440},
			})
			requireMonitorFiles(t, rec, s, pod)
		})
	}
}

// requireMonitorFiles: the pod sees exactly the target file, the password and
// (with TLS) the CA at the paths the target file names, from the monitor's
// own ConfigMap and Secret, whose keys exist.
func requireMonitorFiles(t *testing.T, rec *pulumimock.Recorder, s cluster.Spec, pod any) {
	t.Helper()
	sources := map[string]map[string]any{
		"configMap": dig(find(t, rec, typeConfigMap, s.ConfigMapName(cluster.RoleMonitor)), "data").(map[string]any),
		"secret":    dig(oneByRole(t, rec, typeSecret, cluster.RoleMonitor).Inputs, "stringData").(map[string]any),
	}
	mounted := map[string]string{} // container path → its content
	projections, _ := dig(pod, "volumes", 0, "projected", "sources").([]any)
	for _, p := range projections {
		for kind, data := range sources {
			if dig(p, kind) == nil {
				continue
			}
			if ref := fmt.Sprint(dig(p, kind, "name")); !strings.HasPrefix(ref, "redis-kt-monitor-") {
				t.Errorf("pod mounts %s %s, want the monitor's own", kind, ref)
			}
			items, _ := dig(p, kind, "items").([]any)
			for _, item := range items {
				content, ok := data[fmt.Sprint(dig(item, "key"))]
				if !ok {
					t.Errorf("pod mounts %s key %v, which does not exist", kind, dig(item, "key"))
				}
				mounted["/etc/redis-sentinel/"+fmt.Sprint(dig(item, "path"))] = fmt.Sprint(content)
			}
		}
	}
	want := map[string]string{
		cluster.MonitorTargetPath:   render.MonitorTarget(s, cluster.KubernetesLayout(s)),
		cluster.MonitorPasswordPath: s.UserPassword(s.MonitorUser()),
	}
	if s.TLS {
		want[cluster.MonitorCACertPath] = fmt.Sprint(dig(find(t, rec, typeConfigMap, s.ConfigMapName(cluster.RoleData)), "data", "ca.crt"))
	}
	if len(mounted) != len(want) {
		t.Errorf("pod mounts %d files %v, want %d", len(mounted), slices.Sorted(maps.Keys(mounted)), len(want))
	}
	for p, content := range want {
		if mounted[p] != content {
			t.Errorf("%s = %q, want %q", p, mounted[p], content)
		}
	}
}

// TestKubeSentinelCluster_MonitorSecret: the monitor's Secret holds its own
// password (and the public CA), none of the cluster's other secrets; with ACL
// that password is its user's, never the admin's.
func TestKubeSentinelCluster_MonitorSecret(t *testing.T) {
	for name, mutate := range monitorSpecs {
		t.Run(name, func(t *testing.T) {
			s := testSpec(mutate)
			secret := oneByRole(t, deploy(t, s), typeSecret, cluster.RoleMonitor)
			if strings.Join(secret.Secret, ",") != "stringData" {
				t.Errorf("secret inputs %v, want stringData", secret.Secret)
			}
			data := dig(secret.Inputs, "stringData").(map[string]any)
			want := []string{"password"}
			if s.TLS {
				want = []string{"ca.crt", "password"}
			}
			if got := slices.Sorted(maps.Keys(data)); !slices.Equal(got, want) {
				t.Errorf("secret keys %v, want %v", got, want)
			}
			if data["password"] != s.UserPassword(s.MonitorUser()) {
				t.Error("secret password is not the monitor user's")
			}
			raw, _ := json.Marshal(data)
			if s.ACL && strings.Contains(string(raw), testPassword) {
				t.Error("with ACL the monitor's Secret holds the admin password")
			}
			if strings.Contains(string(raw), "PRIVATE KEY") {
				t.Error("the monitor's Secret holds the TLS key")
			}
		})
	}
}

func TestKubeSentinelCluster_MonitorService(t *testing.T) {
	s := testSpec()
	svc := find(t, deploy(t, s), typeService, s.MonitorName())
	checkAll(t, map[string][2]any{
		"name":            {dig(svc, "metadata", "name"), s.MonitorName()},
		"type":            {dig(svc, "spec", "type") == nil && dig(svc, "spec", "clusterIP") == nil, true}, // ClusterIP
		"selector role":   {dig(svc, "spec", "selector", cluster.LabelRole), cluster.RoleMonitor},
		"selector name":   {dig(svc, "spec", "selector", cluster.LabelCluster), s.Name},
		"port":            {dig(svc, "spec", "ports", 0, "port"), cluster.MonitorPort},
		"port name":       {dig(svc, "spec", "ports", 0, "name"), "http"},
		"target port":     {dig(svc, "spec", "ports", 0, "targetPort"), "http"},
		"scrape":          {dig(svc, "metadata", "annotations", "prometheus.io/scrape"), "true"},
		"scrape port":     {dig(svc, "metadata", "annotations", "prometheus.io/port"), "9121"},
		"scrape path":     {dig(svc, "metadata", "annotations", "prometheus.io/path"), "/metrics"},
		"endpoint's name": {s.MonitorEndpoint().Host, s.MonitorName() + "." + s.Kubernetes.Namespace + ".svc.cluster.local"},
	})
}

// deployComponent is deploy that also returns the component.
func deployComponent(t *testing.T, spec cluster.Spec) (*pulumimock.Recorder, *kubecluster.KubeSentinelCluster) {
	t.Helper()
	var c *kubecluster.KubeSentinelCluster
	rec, err := pulumimock.Run("redis-sentinel", "kt", func(ctx *pulumi.Context) error {
		var err error
		c, err = kubecluster.NewKubeSentinelCluster(ctx, "redis", &kubecluster.KubeSentinelClusterArgs{Spec: spec})
		return err
	})
	if err != nil {
		t.Fatalf("NewKubeSentinelCluster: %v", err)
	}
	return rec, c
}

func TestKubeSentinelCluster_MonitorOff(t *testing.T) {
	off := false
	for name, mutate := range monitorSpecs {
		t.Run(name, func(t *testing.T) {
			s := testSpec(mutate, func(s *cluster.Spec) { s.Monitor.Enabled, s.Kubernetes.ServiceMonitor = &off, true })
			rec, c := deployComponent(t, s)
			if c.Monitor != nil {
				t.Error("component's Monitor is set with monitor: false")
			}
			for _, r := range rec.Resources() {
				if dig(r.Inputs, "metadata", "labels", cluster.LabelRole) == string(cluster.RoleMonitor) || strings.Contains(r.Name, "monitor") {
					t.Errorf("%s %s registered with monitor: false", r.Type, r.Name)
				}
			}
		})
	}
	_, c := deployComponent(t, testSpec())
	if c.Monitor == nil {
		t.Error("component's Monitor is nil with the monitor on")
	}
}

func TestKubeSentinelCluster_PrometheusOperator(t *testing.T) {
	rec := deploy(t, testSpec())
	for _, r := range rec.Resources() {
		if strings.HasPrefix(r.Type, "kubernetes:monitoring.coreos.com/") {
			t.Errorf("%s %s registered without kubernetesServiceMonitor", r.Type, r.Name)
		}
	}

	s := testSpec(func(s *cluster.Spec) { s.Kubernetes.ServiceMonitor = true })
	rec = deploy(t, s)
	sm := find(t, rec, typeServiceMonitor, s.MonitorName())
	svcLabels := dig(find(t, rec, typeService, s.MonitorName()), "metadata", "labels")
	checkAll(t, map[string][2]any{
		"apiVersion":         {dig(sm, "apiVersion"), "monitoring.coreos.com/v1"},
		"namespace":          {dig(sm, "metadata", "namespace"), s.Kubernetes.Namespace},
		"selects Service":    {dig(sm, "spec", "selector", "matchLabels"), svcLabels},
		"endpoint port":      {dig(sm, "spec", "endpoints", 0, "port"), "http"},
		"endpoint path":      {dig(sm, "spec", "endpoints", 0, "path"), "/metrics"},
		"endpoint interval":  {dig(sm, "spec", "endpoints", 0, "interval"), "15s"},
		"only one endpoint":  {len(dig(sm, "spec", "endpoints").([]any)), 1},
		"rule apiVersion":    {dig(find(t, rec, typePrometheusRule, s.MonitorName()), "apiVersion"), "monitoring.coreos.com/v1"},
		"rule namespace":     {dig(find(t, rec, typePrometheusRule, s.MonitorName()), "metadata", "namespace"), s.Kubernetes.Namespace},
		"Service is labeled": {dig(svcLabels, cluster.LabelRole), cluster.RoleMonitor},
	})

	want, err := monitoring.RuleGroups()
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(dig(find(t, rec, typePrometheusRule, s.MonitorName()), "spec", "groups"))
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("PrometheusRule spec.groups differ from monitoring/alerts.yaml:\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if rules, _ := dig(find(t, rec, typePrometheusRule, s.MonitorName()), "spec", "groups", 0, "rules").([]any); len(rules) == 0 {
		t.Error("PrometheusRule has no rules")
	}
}
