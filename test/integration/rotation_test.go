package integration

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestDockerStack_PasswordRotation rotates a live Docker stack's password in
// two `pulumi up`s, with ACL and without, under an app writer (through
// Sentinel, with the app contract's credentials) that switches to the new
// password as soon as the stack's outputs publish it: no acknowledged write
// lost, no authentication failure, no node or sentinel container replaced or
// restarted, the old password refused afterwards, and the sentinels still
// fail over.
func TestDockerStack_PasswordRotation(t *testing.T) {
	for _, acl := range []bool{false, true} {
		t.Run(map[bool]string{false: "default-user", true: "acl"}[acl], func(t *testing.T) {
			ctx := context.Background()
			d := stacktest.NewDocker(t, ctx, 9, map[string]string{cluster.KeyACL: fmt.Sprint(acl), cluster.KeyMinReplicasToWrite: "1"})
			res, _ := d.Up(ctx)
			deployed, err := automation.DeployedFromOutputs(res.Outputs)
			if err != nil {
				t.Fatal(err)
			}
			stacktest.RequireHealthy(t, ctx, deployed.Target(true))
			ids := serverContainerIDs(t, ctx, d)
			w := startAppWriter(t, deployed)

			old := d.Password
			d.Password = "it-rotated-" + stacktest.RandomHex(12)
			d.SetConfig(ctx, map[string]string{cluster.KeyPreviousPassword: old})
			res, took := d.Up(ctx)
			t.Logf("phase 1 (both accepted): up took %s", took.Round(time.Millisecond))
			if deployed, err = automation.DeployedFromOutputs(res.Outputs); err != nil {
				t.Fatal(err)
			}
			if deployed.AdminPassword != d.Password {
				t.Fatal("the outputs do not publish the new password")
			}
			w.switchTo(t, deployed)
			time.Sleep(time.Second) // the writer runs on the new credentials for a while

			if err := d.Stack.RemoveConfig(ctx, automation.ProjectName+":"+cluster.KeyPreviousPassword); err != nil {
				t.Fatal(err)
			}
			_, took = d.Up(ctx)
			t.Logf("phase 2 (old removed): up took %s", took.Round(time.Millisecond))
			time.Sleep(time.Second)
			stats := w.stop(t)
			t.Logf("writer: %d acknowledged, %d lost, %d auth failures, %d other errors, longest gap %s",
				stats.acked, stats.lost, stats.authFailures, stats.otherErrors, stats.longestGap.Round(time.Millisecond))
			if stats.lost != 0 || stats.authFailures != 0 {
				t.Errorf("rotation: %d acknowledged writes lost, %d authentication failures (%v)", stats.lost, stats.authFailures, stats.firstError)
			}
			if got := serverContainerIDs(t, ctx, d); !maps.Equal(got, ids) {
				t.Errorf("containers replaced or restarted by the rotation:\nbefore %v\nafter  %v", ids, got)
			}

			target := deployed.Target(true)
			stacktest.RequireHealthy(t, ctx, target)
			requireOldPasswordRefused(t, ctx, target, deployed, old)
			stacktest.RunDrill(t, ctx, target, verify.DrillCrash, dockerhost.ClusterFaults{Host: d.Host, Cluster: d.Name})
		})
	}
}

// requireOldPasswordRefused checks every sentinel and node refuses old.
func requireOldPasswordRefused(t *testing.T, ctx context.Context, target verify.Target, d automation.Deployed, old string) {
	t.Helper()
	target.Password = old
	for _, addr := range append(append([]string{}, d.Sentinels...), d.Nodes...) {
		c := redis.NewClient(target.ClientOptions(addr))
		err := c.Ping(ctx).Err()
		_ = c.Close()
		if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
			t.Errorf("%s with the old password: %v, want WRONGPASS", addr, err)
		}
	}
}

// serverContainerIDs are the nodes' and sentinels' container IDs with their
// start times: a replacement changes the first, a restart the second.
func serverContainerIDs(t *testing.T, ctx context.Context, d *stacktest.Docker) map[string]string {
	t.Helper()
	ids, err := d.Host.ContainerIDs(ctx, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, id := range ids {
		if strings.Contains(name, "-node-") || strings.Contains(name, "-sentinel-") {
			started, err := d.Host.Exec(ctx, name, "sh", "-c", "cat /proc/1/stat | cut -d' ' -f22")
			if err != nil {
				t.Fatalf("start time of %s: %v", name, err)
			}
			out[name] = id[:12] + "@" + strings.TrimSpace(started)
		}
	}
	return out
}

// appWriter writes through Sentinel every 10 ms as the app would, with the
// app contract's credentials; switchTo swaps in a client with new ones (what
// an app does when its config is reloaded), leaving in-flight writes alone.
type appWriter struct {
	dial    verify.Dialer // nil: the system resolver
	client  atomic.Pointer[redis.Client]
	stopped chan struct{}
	done    sync.WaitGroup
	stats   writerStats
	acked   []string
}

type writerStats struct {
	acked, lost, authFailures, tlsFailures, otherErrors int
	longestGap                                          time.Duration
	firstError                                          error
}

// appClient is the app's client from the contract alone: on a TLS stack it
// trusts exactly the published bundle (REDIS_TLS_CA_CERT). dial, when not
// nil, resolves names as the cluster's own clients do (Kubernetes' DNS).
func appClient(t *testing.T, d automation.Deployed, dial verify.Dialer) *redis.Client {
	env := d.AppEnv
	o := &redis.FailoverOptions{
		MasterName: env[cluster.EnvSentinelMasterName], SentinelAddrs: d.Sentinels,
		Username: env[cluster.EnvUsername], Password: env[cluster.EnvPassword],
		SentinelUsername: env[cluster.EnvUsername], SentinelPassword: env[cluster.EnvPassword],
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: -1,
	}
	if env[cluster.EnvTLS] == "true" {
		tlsConfig, err := verify.TLSConfigFromPEM(env[cluster.EnvTLSCACert])
		if err != nil {
			t.Fatal(err)
		}
		tlsConfig.ServerName = strings.Split(d.Sentinels[0], ":")[0] // every process is announced on the gateway address
		o.TLSConfig = tlsConfig
	}
	if dial != nil { // the target's dialer verifies each process by the name it was dialled as
		tlsConfig := o.TLSConfig
		if tlsConfig != nil {
			tlsConfig.ServerName = ""
		}
		o.Dialer, o.TLSConfig = verify.Target{Dialer: dial, TLS: tlsConfig}.EffectiveDialer(), nil
	}
	return redis.NewFailoverClient(o)
}

func startAppWriter(t *testing.T, d automation.Deployed) *appWriter {
	return startAppWriterVia(t, d, nil)
}

func startAppWriterVia(t *testing.T, d automation.Deployed, dial verify.Dialer) *appWriter {
	w := &appWriter{stopped: make(chan struct{}), dial: dial}
	w.client.Store(appClient(t, d, dial))
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		lastAck := time.Now()
		for i := 0; ; i++ {
			select {
			case <-w.stopped:
				return
			case <-time.After(10 * time.Millisecond):
			}
			key := fmt.Sprintf("rotation:%d", i)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := w.client.Load().Set(ctx, key, i, 0).Err()
			cancel()
			switch {
			case err == nil:
				w.acked = append(w.acked, key)
				w.stats.longestGap = max(w.stats.longestGap, time.Since(lastAck))
				lastAck = time.Now()
				continue
			case isAuthError(err):
				w.stats.authFailures++
			case isTLSError(err):
				w.stats.tlsFailures++
			default:
				w.stats.otherErrors++
			}
			if w.stats.firstError == nil {
				w.stats.firstError = err
			}
		}
	}()
	return w
}

func (w *appWriter) switchTo(t *testing.T, d automation.Deployed) {
	old := w.client.Swap(appClient(t, d, w.dial))
	time.AfterFunc(2*time.Second, func() { _ = old.Close() })
}

// stop ends the writer and reads every acknowledged key back.
func (w *appWriter) stop(t *testing.T) writerStats {
	close(w.stopped)
	w.done.Wait()
	c := w.client.Load()
	defer c.Close()
	w.stats.acked = len(w.acked)
	for _, key := range w.acked {
		if err := c.Get(context.Background(), key).Err(); errors.Is(err, redis.Nil) {
			w.stats.lost++
		} else if err != nil {
			t.Fatalf("read back %s: %v", key, err)
		}
	}
	return w.stats
}

func isAuthError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "WRONGPASS") || strings.Contains(s, "NOAUTH") || strings.Contains(s, "NOPERM")
}

// isTLSError is a failed handshake: a certificate the client does not trust.
func isTLSError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "x509") || strings.Contains(s, "tls:") || strings.Contains(s, "certificate")
}
