package integration

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/redis/go-redis/v9"
	"k8s.io/apimachinery/pkg/types"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/kubehost"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/test/clients"
	"github.com/platform-team/redis-sentinel/verify"
)

// kubeOverrides are the only changes to Pulumi.prod.yaml for the local
// cluster: a throwaway name and namespace, the image this machine has (nothing
// can be pulled), and what one 2-core node can schedule (anti-affinity
// preferred, smaller CPU requests). Timers, write safety, memory and everything
// else are prod's.
func kubeOverrides(name string) map[string]string {
	return map[string]string{
		cluster.KeyName:             name,
		cluster.KeyKubeNamespace:    name,
		cluster.KeyImage:            testenv.LocalImage,
		cluster.KeyKubeAntiAffinity: string(cluster.AntiAffinityPreferred),
		cluster.KeyKubeNodeCPU:      "100m",
	}
}

// TestKubeStack_ProdUpPodLossDestroy is the Kubernetes platform's end-to-end
// proof on a real cluster: `pulumi up` of the prod stack → healthy through
// Sentinel → the master's pod deleted (its pre-stop hands over, no
// acknowledged write lost, the pod rejoins as a replica) → a rolling change
// under a writer (no acknowledged write lost) → every pod deleted
// at once (exactly one master after, data kept) → the password only in the
// Secret → `pulumi destroy` leaves nothing. The always-on monitor answers
// healthy after up and again after every pod was replaced.
func TestKubeStack_ProdUpPodLossDestroy(t *testing.T) {
	dns := testenv.RequireKubernetes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	name, password := "it-prod-"+stacktest.RandomHex(3), "it-"+stacktest.RandomHex(12)
	s, backend := scratchProdStack(t, ctx)
	if err := automation.SetConfig(ctx, s, kubeOverrides(name), password); err != nil {
		t.Fatal(err)
	}
	host, err := kubehost.Connect("", name, name)
	if err != nil {
		t.Fatal(err)
	}
	destroyed := destroyOnCleanup(t, s)

	start := time.Now()
	res, err := s.Up(ctx, optup.SuppressProgress())
	if err != nil {
		t.Fatalf("pulumi up: %v", err)
	}
	t.Logf("pulumi up of prod (empty → every pod ready, settings applied): %s", time.Since(start).Round(time.Millisecond))
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	if deployed.Platform != cluster.PlatformKubernetes || deployed.Namespace != name {
		t.Fatalf("outputs: platform %q namespace %q, want kubernetes %q", deployed.Platform, deployed.Namespace, name)
	}
	for _, addr := range append(deployed.Sentinels, deployed.Nodes...) {
		if !strings.HasSuffix(strings.Split(addr, ":")[0], ".svc.cluster.local") {
			t.Errorf("announced address %s is not a stable pod DNS name", addr)
		}
	}
	target := deployed.Target(true)
	target.Dialer = verify.DialerVia(dns, 2*time.Second)
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	stacktest.RequireHealthy(t, ctx, target)
	marker := writeMarker(t, ctx, target)
	names := cluster.Spec{Name: name, Platform: cluster.PlatformKubernetes,
		Kubernetes: cluster.KubernetesSettings{Namespace: name, ClusterDomain: cluster.DefaultKubernetesClusterDomain}}
	if want, _ := names.MonitorURLs(); deployed.HealthURL != want {
		t.Errorf("output %s = %q, want %q", cluster.OutputHealthURL, deployed.HealthURL, want)
	}
	kube := kubeClient(t)
	requireMonitorHealthy(t, ctx, kube, names, 2*time.Minute)

	t.Run("master pod deleted", func(t *testing.T) {
		r, err := checker.RunFault(ctx, kubehost.PodDeleteFault(host, 3*time.Minute), verify.DrillOptions{Progress: func(m string) { t.Log(m) }})
		if err != nil {
			t.Fatalf("pod-delete drill: %v", err)
		}
		t.Logf("master pod deleted: new master after %s (all sentinels %s), write gap %s, %d acked, %d lost, old pod a replica %s after it was Ready again",
			r.FirstSwitch.Round(time.Millisecond), r.AllAgree.Round(time.Millisecond), r.WriteGap.Round(time.Millisecond), r.WritesAcked, r.WritesLost, r.Rejoin.Round(time.Millisecond))
		if r.WritesLost != 0 {
			t.Errorf("%d acknowledged writes lost on a planned pod deletion", r.WritesLost)
		}
	})

	// A crash is no pod deletion (that runs the pre-stop hook even with no
	// grace period): the container is killed, and back at once the master
	// must not serve over replicas holding data it lacks.
	for _, fault := range []verify.Fault{verify.CrashRestartFault(host), verify.DataLossFault(host)} {
		t.Run("master "+fault.Name, func(t *testing.T) {
			r, err := checker.RunFault(ctx, fault, verify.DrillOptions{WaitReplicas: 1, Preload: 2000, Progress: func(m string) { t.Log(m) }})
			if err != nil {
				t.Fatalf("%s drill: %v", fault.Name, err)
			}
			t.Logf("%s: all sentinels agree after %s, write gap %s, %d acked, %d lost, preloaded keys lost %s",
				fault.Name, r.AllAgree.Round(time.Millisecond), r.WriteGap.Round(time.Millisecond), r.WritesAcked, r.WritesLost, r.PreloadLost())
			if r.WritesLost != 0 {
				t.Errorf("%d acknowledged writes lost", r.WritesLost)
			}
		})
	}

	t.Run("every client library through a switchover and the master pod's deletion", func(t *testing.T) {
		dir := filepath.Join(testenv.RepoRoot(), "test", "clients")
		if err := clients.Prerequisites(dir); err != nil {
			t.Fatalf("client suite: %v", err)
		}
		programs, err := clients.Programs(ctx, dir, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		// The clients resolve the announced pod names through the cluster's DNS.
		if programs, err = clients.ThroughClusterDNS(programs, dns, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		opts := verify.DrillOptions{Progress: func(m string) { t.Log(m) }}
		table := clients.RunProfile(t, ctx, clients.Deployment{Profile: "prod (Kubernetes)", AppEnv: deployed.AppEnv, Target: target},
			programs, []clients.Fault{
				{Name: "switchover", Lossless: true, Run: func(ctx context.Context) verify.DrillResult {
					r, err := checker.Drill(ctx, verify.DrillSwitchover, opts)
					if err != nil {
						t.Fatalf("switchover: %v", err)
					}
					return r
				}},
				// The pre-stop hands over first: no acknowledged write may be lost.
				{Name: "pod-delete", Lossless: true, Run: func(ctx context.Context) verify.DrillResult {
					r, err := checker.RunFault(ctx, kubehost.PodDeleteFault(host, 3*time.Minute), opts)
					if err != nil {
						t.Fatalf("pod-delete: %v", err)
					}
					return r
				}},
			})
		t.Logf("client × profile:\n%s", table.Markdown())
		if path := os.Getenv(clients.TablePathEnv); path != "" {
			if err := os.WriteFile(path, []byte(table.Markdown()), 0o644); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("rolling change under a writer", func(t *testing.T) {
		// appendfsync is read at start: the StatefulSets roll one pod at a
		// time, and the master's pre-stop hands over before it stops.
		if err := automation.SetConfig(ctx, s, map[string]string{cluster.KeyAppendFsync: "always"}, ""); err != nil {
			t.Fatal(err)
		}
		writer := checker.StartWriter(ctx, 10*time.Millisecond, 0)
		start := time.Now()
		res, err := s.Up(ctx, optup.SuppressProgress())
		if err != nil {
			t.Fatalf("pulumi up (rolling change): %v", err)
		}
		upTook := time.Since(start)
		// pulumi up can return before the StatefulSet controller has rolled
		// the pods (its await may read a status from before the update).
		spec := cluster.Spec{Name: name}
		for _, set := range []string{spec.NodeSetName(), spec.SentinelSetName()} {
			if err := host.WaitRolledOut(ctx, set, 5*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		took := time.Since(start)
		// A replica that restarted onto a master demoted moments later is
		// corrected by Sentinel after failover-timeout (prod: 10 s): wait for it.
		stacktest.RequireHealthyWithin(t, ctx, checker, 45*time.Second, "healthy after the rolling change")
		healthy := time.Since(start)
		report, err := writer.Stop(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rolling change (%v): pulumi up %s, every pod rolled %s, healthy %s; writer every 10 ms: %d acked, %d failed, %d lost, longest gap %s",
			*res.Summary.ResourceChanges, upTook.Round(time.Millisecond), took.Round(time.Millisecond), healthy.Round(time.Millisecond),
			report.Acked, report.Failed, report.Lost, report.LongestGap.Round(time.Millisecond))
		if report.Lost != 0 {
			t.Errorf("%d acknowledged writes lost in a rolling change", report.Lost)
		}
	})

	t.Run("every pod deleted at once", func(t *testing.T) {
		pods, err := host.Pods(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		old := map[types.UID]bool{}
		var wg sync.WaitGroup
		start := time.Now()
		for _, p := range pods {
			if role := cluster.Role(p.Labels[cluster.LabelRole]); role == cluster.RoleSettings || role == cluster.RoleCredentials {
				continue // a finished Job's pod is not recreated
			}
			old[p.UID] = true
			wg.Add(1)
			go func(name string) {
				defer wg.Done()
				if _, err := host.Delete(ctx, name); err != nil {
					t.Error(err)
				}
			}(p.Name)
		}
		wg.Wait()
		if err := host.WaitAllReady(ctx, len(old), old, 5*time.Minute); err != nil {
			t.Fatal(err)
		}
		ready := time.Since(start)
		master := stacktest.RequireHealthyWithin(t, ctx, checker, 2*time.Minute, "healthy with one master after every pod was replaced")
		t.Logf("every pod deleted: %d new pods ready after %s, healthy (single master %s) after %s",
			len(old), ready.Round(time.Millisecond), master, time.Since(start).Round(time.Millisecond))
		if got := readMarker(t, ctx, target, marker); got != marker {
			t.Errorf("marker key after every pod was replaced = %q, want %q: data lost", got, marker)
		}
		requireMonitorHealthy(t, ctx, kube, names, time.Minute)
	})

	t.Run("password only in the Secret", func(t *testing.T) {
		hits, err := host.PasswordOutsideSecrets(ctx, password)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) > 0 {
			t.Errorf("password found outside the Secret in: %v", hits)
		}
		// The state as stored (Automation API's Export would decrypt secrets).
		err = filepath.WalkDir(backend, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err == nil && strings.Contains(string(data), password) {
				t.Errorf("password in plain text in the Pulumi state file %s", filepath.Base(path))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	start = time.Now()
	if _, err := s.Destroy(ctx); err != nil {
		t.Fatalf("pulumi destroy: %v", err)
	}
	*destroyed = true
	t.Logf("pulumi destroy: %s", time.Since(start).Round(time.Millisecond))
	var left []string
	testenv.WaitFor(t, 2*time.Minute, "nothing of the cluster left (volumes released and recycled)", func() (string, bool) {
		left, err = host.Leftovers(ctx)
		return strings.Join(left, ", ") + errString(err), err == nil && len(left) == 0
	})
}

// scratchProdStack is the prod stack from its own files in a scratch project
// dir with its own backend (returned), so the overrides and the encrypted
// password never touch the committed Pulumi.prod.yaml.
func scratchProdStack(t *testing.T, ctx context.Context) (auto.Stack, string) {
	t.Helper()
	workDir, backend := t.TempDir(), t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.prod.yaml"} {
		data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(workDir, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := automation.UpsertInlineStack(ctx, "prod", automation.InlineOptions{
		BackendURL: "file://" + backend, Passphrase: stacktest.Passphrase, WorkDir: workDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, backend
}

// destroyOnCleanup destroys the stack when the test ends, unless the test
// destroyed it itself and set *destroyed.
func destroyOnCleanup(t *testing.T, s auto.Stack) *bool {
	t.Helper()
	destroyed := new(bool)
	t.Cleanup(func() {
		if *destroyed {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := s.Destroy(ctx, optdestroy.ContinueOnError()); err != nil {
			t.Errorf("cleanup destroy: %v", err)
		}
	})
	return destroyed
}

// writeMarker writes a key through Sentinel and waits until every replica has it.
func writeMarker(t *testing.T, ctx context.Context, target verify.Target) string {
	t.Helper()
	client := failoverClient(target)
	defer client.Close()
	marker := "e2e-" + stacktest.RandomHex(6)
	if err := client.Set(ctx, verify.KeyPrefix+"marker", marker, 0).Err(); err != nil {
		t.Fatalf("write marker: %v", err)
	}
	if err := client.Do(ctx, "WAIT", len(target.Nodes)-1, 5000).Err(); err != nil {
		t.Fatalf("WAIT for replicas: %v", err)
	}
	return marker
}

func readMarker(t *testing.T, ctx context.Context, target verify.Target, want string) string {
	t.Helper()
	client := failoverClient(target)
	defer client.Close()
	got, err := client.Get(ctx, verify.KeyPrefix+"marker").Result()
	if err != nil {
		t.Errorf("read marker: %v", err)
	}
	return got
}

// failoverClient is the target's client with go-redis's default retries and
// room for WAIT's 5 s bound.
func failoverClient(target verify.Target) *redis.Client {
	opts := target.FailoverOptions()
	opts.ReadTimeout, opts.MaxRetries = 6*time.Second, 3
	return redis.NewFailoverClient(opts)
}
