package kubecluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/kubecluster"
	"github.com/platform-team/redis-sentinel/internal/pulumimock"
	"github.com/platform-team/redis-sentinel/internal/testpki"
)

// podTemplates are both StatefulSets' pod templates as JSON: what, if it
// changes, rolls the pods.
func podTemplates(t *testing.T, rec *pulumimock.Recorder, s cluster.Spec) string {
	t.Helper()
	var out []string
	for _, set := range []string{s.NodeSetName(), s.SentinelSetName()} {
		raw, err := json.Marshal(dig(find(t, rec, typeStatefulSet, set), "spec", "template"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(raw))
	}
	return strings.Join(out, "\n")
}

func credentialsScript(t *testing.T, rec *pulumimock.Recorder, s cluster.Spec) string {
	t.Helper()
	return fmt.Sprint(dig(find(t, rec, typeJob, s.CredentialsJobName()), "spec", "template", "spec", "containers", 0, "command", 2))
}

// A password rotation changes the fixed-name credentials Secret in place and
// the credentials Job's script, never a pod template: no pod rolls.
func TestKubeSentinelCluster_PasswordRotationRollsNoPod(t *testing.T) {
	for name, secure := range map[string]bool{"default user": false, "acl and tls": true} {
		t.Run(name, func(t *testing.T) {
			old := testSpec(func(s *cluster.Spec) { s.ACL, s.TLS = secure, secure })
			if secure { // a live rotation needs certificates that do not follow the password
				old.TLSMaterial = providedMaterial(t, old, "")
			}
			both := old
			both.Password, both.PreviousPassword = "rotated-"+old.Password, old.Password
			rotated := both
			rotated.PreviousPassword = ""
			recs := map[string]*pulumimock.Recorder{}
			for phase, s := range map[string]cluster.Spec{"old": old, "both": both, "rotated": rotated} {
				if err := cluster.Validate(s); err != nil {
					t.Fatalf("%s: %v", phase, err)
				}
				recs[phase] = deploy(t, s)
			}
			for _, phase := range []string{"both", "rotated"} {
				if got, want := podTemplates(t, recs[phase], old), podTemplates(t, recs["old"], old); got != want {
					t.Errorf("phase %s changes a pod template: the pods would roll", phase)
				}
				if credentialsScript(t, recs[phase], old) == credentialsScript(t, recs["old"], old) {
					t.Errorf("phase %s leaves the credentials Job as it was: nothing would apply the new password", phase)
				}
			}
			data := dig(find(t, recs["both"], typeSecret, old.CredentialsSecretName()), "stringData").(map[string]any)
			if data["password"] != both.Password || data["previous-password"] != old.Password {
				t.Error("during the rotation the credentials Secret must hold the new password and the previous one")
			}
			if _, kept := dig(find(t, recs["rotated"], typeSecret, old.CredentialsSecretName()), "stringData").(map[string]any)["previous-password"]; kept {
				t.Error("after the rotation the credentials Secret still holds the previous password")
			}
		})
	}
}

// The credentials Job mounts the fresh credentials, applies them without
// publishing (the Secret is the published copy), and runs before the pods
// change; the pods' probes tolerate the kubelet's late projection.
func TestKubeSentinelCluster_CredentialsJobRunsBeforeThePods(t *testing.T) {
	s := testSpec()
	rec := deploy(t, s)
	job := rec.Find(typeJob, s.CredentialsJobName())
	if job == nil {
		t.Fatal("no credentials Job")
	}
	script := credentialsScript(t, rec, s)
	if !strings.Contains(script, "done by the platform") || strings.Contains(script, "cp \"$next/") {
		t.Error("the Job's script publishes files itself; on Kubernetes the Secret is what pods read")
	}
	if got := dig(job.Inputs, "spec", "template", "spec", "volumes", 0, "projected", "sources", 0, "secret", "name"); got != s.CredentialsSecretName() {
		t.Errorf("the Job mounts %v, want the credentials Secret %s", got, s.CredentialsSecretName())
	}
	jobURN := "urn:pulumi:kt::redis-sentinel::" + kubecluster.ComponentType + "$kubernetes:batch/v1:Job::" + s.CredentialsJobName()
	nodes := rec.Find(typeStatefulSet, s.NodeSetName())
	if !strings.Contains(strings.Join(nodes.DependsOn, " "), jobURN) {
		t.Errorf("the data nodes' StatefulSet depends on %v, want the credentials Job %s", nodes.DependsOn, jobURN)
	}
	for _, role := range []cluster.Role{cluster.RoleData, cluster.RoleSentinel} {
		data := dig(find(t, rec, typeConfigMap, s.ConfigMapName(role)), "data").(map[string]any)
		for key, v := range data {
			if strings.HasPrefix(key, "healthcheck-") && !strings.Contains(fmt.Sprint(v), "*WRONGPASS*) echo") {
				t.Errorf("%s: %s fails a process that refuses a stale mounted password: liveness would restart it mid-rotation", role, key)
			}
		}
	}
}

// The credentials Job runs when the credentials change, and only then: a
// change that rolls the pods (a content-named ConfigMap) leaves it as it was,
// while a new CA bundle replaces it, so it checks the bundle against the
// certificates in service before any pod rolls.
func TestKubeSentinelCluster_CredentialsJobRunsOnlyForCredentials(t *testing.T) {
	job := func(rec *pulumimock.Recorder, s cluster.Spec) string {
		raw, err := json.Marshal(dig(find(t, rec, typeJob, s.CredentialsJobName()), "spec"))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	base := testSpec(func(s *cluster.Spec) { s.ACL, s.TLS = true, true })
	base.TLSMaterial = providedMaterial(t, base, "")
	fsync := base
	fsync.Persistence.AppendFsync = "always"
	bundle := base
	bundle.TLSMaterial.CACert += providedMaterial(t, base, "").CACert // trust a second CA too
	recs := map[string]*pulumimock.Recorder{}
	for name, s := range map[string]cluster.Spec{"base": base, "fsync": fsync, "bundle": bundle} {
		if err := cluster.Validate(s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs[name] = deploy(t, s)
	}
	if podTemplates(t, recs["fsync"], base) == podTemplates(t, recs["base"], base) {
		t.Fatal("appendFsync leaves the pod templates as they were: this test no longer shows a rolling change")
	}
	if job(recs["fsync"], base) != job(recs["base"], base) {
		t.Error("a rolling change (appendFsync) changes the credentials Job: it would re-run against every process")
	}
	if job(recs["bundle"], base) == job(recs["base"], base) {
		t.Error("a new CA bundle leaves the credentials Job as it was: nothing would check it before the pods roll")
	}
	data := dig(find(t, recs["bundle"], typeSecret, base.CredentialsSecretName()), "stringData").(map[string]any)
	if data["ca.crt"] != bundle.TLSMaterial.CACert {
		t.Error("the credentials Secret does not carry the bundle the Job trusts")
	}
}

// providedMaterial issues a certificate for every name s announces from a
// fresh CA; secret is where it says it was read from ("" for config keys).
func providedMaterial(t *testing.T, s cluster.Spec, secret string) cluster.TLSMaterial {
	t.Helper()
	ca := testpki.NewCA(t, "platform CA")
	l := cluster.KubernetesLayout(s)
	hosts := []string{s.SentinelServiceAddr().Host}
	for _, e := range append(l.Nodes, l.Sentinels...) {
		hosts = append(hosts, e.Host)
	}
	issued := ca.Issue(t, hosts, testpki.Options{})
	return cluster.TLSMaterial{CACert: ca.PEM, Cert: issued.Cert, Key: issued.Key, Secret: secret}
}

func tlsSecret(namespace, name string, m cluster.TLSMaterial) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"ca.crt": []byte(m.CACert), "tls.crt": []byte(m.Cert), "tls.key": []byte(m.Key)},
	}
}

// ReadTLSSecret reads a cert-manager style Secret into the material that
// cluster.Validate checks, naming the key and the Secret in every problem.
func TestReadTLSSecret(t *testing.T) {
	s := testSpec(func(s *cluster.Spec) { s.TLS, s.Kubernetes.TLSSecret = true, "redis-tls" })
	good := providedMaterial(t, s, "")
	other := testSpec(func(s *cluster.Spec) { s.Name = "elsewhere" })
	wrongHosts := providedMaterial(t, other, "")
	ctx := context.Background()

	read, err := kubecluster.ReadTLSSecret(ctx, fake.NewClientset(tlsSecret(s.Kubernetes.Namespace, "redis-tls", good)), s)
	if err != nil {
		t.Fatal(err)
	}
	if read.TLSMaterial.Cert != good.Cert || read.TLSMaterial.Secret != s.Kubernetes.Namespace+"/redis-tls" {
		t.Fatalf("read %+v", read.TLSMaterial.Secret)
	}
	if err := cluster.Validate(read); err != nil {
		t.Errorf("a good Secret: %v", err)
	}

	_, err = kubecluster.ReadTLSSecret(ctx, fake.NewClientset(), s)
	requireProblem(t, err, "does not exist: create it")

	read, err = kubecluster.ReadTLSSecret(ctx, fake.NewClientset(tlsSecret(s.Kubernetes.Namespace, "redis-tls", wrongHosts)), s)
	if err != nil {
		t.Fatal(err)
	}
	requireProblem(t, cluster.Validate(read), "tls.crt of Secret "+s.Kubernetes.Namespace+"/redis-tls does not cover")

	noCA := tlsSecret(s.Kubernetes.Namespace, "redis-tls", good)
	delete(noCA.Data, "ca.crt")
	read, _ = kubecluster.ReadTLSSecret(ctx, fake.NewClientset(noCA), s)
	requireProblem(t, cluster.Validate(read), "ca.crt of Secret "+s.Kubernetes.Namespace+"/redis-tls is missing")

	both := s
	both.TLSMaterial = good // as if tlsCert & co were set too
	requireProblem(t, cluster.Validate(both), "beside tlsCaCert/tlsCert/tlsKey")

	docker := s
	docker.Platform = cluster.PlatformDocker
	requireProblem(t, cluster.Validate(cluster.SetDefaults(docker, "kt")), "only for platform kubernetes")
}

func requireProblem(t *testing.T, err error, rule string) {
	t.Helper()
	var invalid *cluster.InvalidSpecError
	if !errors.As(err, &invalid) {
		t.Fatalf("got %v, want a problem with %s containing %q", err, cluster.KeyKubeTLSSecret, rule)
	}
	for _, p := range invalid.Problems {
		if p.Key == cluster.KeyKubeTLSSecret && strings.Contains(p.Rule, rule) {
			return
		}
	}
	t.Errorf("problems %v, want %s: ...%s...", invalid.Problems, cluster.KeyKubeTLSSecret, rule)
}

// With kubernetesTlsSecret the pods mount the user's Secret; its key is in
// no resource, its ca.crt is published, and the certificates' digest on the
// pod template rolls the pods when cert-manager renews them.
func TestKubeSentinelCluster_TLSSecret(t *testing.T) {
	s := testSpec(func(s *cluster.Spec) { s.TLS, s.ACL, s.Kubernetes.TLSSecret = true, true, "redis-tls" })
	s.TLSMaterial = providedMaterial(t, s, s.Kubernetes.Namespace+"/redis-tls")
	if err := cluster.Validate(s); err != nil {
		t.Fatal(err)
	}
	rec, c := deployComponent(t, s)
	for _, r := range rec.Resources() {
		raw, _ := json.Marshal(r.Inputs)
		if strings.Contains(string(raw), "PRIVATE KEY") {
			t.Errorf("%s %s holds the Secret's key", r.Type, r.Name)
		}
	}
	if rec.Find(typeSecret, s.TLSKeySecretName()) != nil {
		t.Error("the component created its own TLS Secret")
	}
	for _, set := range []string{s.NodeSetName(), s.SentinelSetName()} {
		template := dig(find(t, rec, typeStatefulSet, set), "spec", "template")
		sources, _ := dig(template, "spec", "volumes", 0, "projected", "sources").([]any)
		var mounted []string
		for _, src := range sources {
			if dig(src, "secret", "name") == "redis-tls" {
				for _, item := range dig(src, "secret", "items").([]any) {
					mounted = append(mounted, fmt.Sprint(dig(item, "key")))
				}
			}
		}
		if strings.Join(mounted, ",") != "ca.crt,tls.crt,tls.key" {
			t.Errorf("%s mounts %v of the user's Secret, want ca.crt, tls.crt and tls.key", set, mounted)
		}
		if dig(template, "metadata", "annotations", "redis-sentinel/tls-sha256") == nil {
			t.Errorf("%s: no certificate digest on the pod template: a renewal would not roll the pods", set)
		}
	}
	renewed := s
	renewed.TLSMaterial = providedMaterial(t, s, s.TLSMaterial.Secret)
	if podTemplates(t, deploy(t, renewed), s) == podTemplates(t, rec, s) {
		t.Error("a renewed certificate leaves the pod templates unchanged")
	}
	ca := make(chan string, 1)
	c.Outputs.TLSCACert.ApplyT(func(v string) string { ca <- v; return v })
	if got := <-ca; got != s.TLSMaterial.CACert {
		t.Error("the outputs do not publish the Secret's ca.crt")
	}
}
