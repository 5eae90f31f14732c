package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestDockerStack_ACLAndTLS: with `acl: true` and `tls: true` the stack hands
// the app its own user (REDIS_USERNAME) and the CA (REDIS_TLS_CA_CERT), the
// verifier works as the admin user over TLS, the app user reaches data through
// Sentinel but no admin command, every published port refuses plaintext
// clients, clients without credentials and the disabled default user, and the
// password (and the derived ones) leak nowhere.
func TestDockerStack_ACLAndTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d := stacktest.NewDocker(t, ctx, 6, map[string]string{cluster.KeyACL: "true", cluster.KeyTLS: "true"})
	res, took := d.Up(ctx)
	t.Logf("pulumi up with ACL and TLS: %s", took.Round(time.Millisecond))
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	if deployed.AdminUser != string(cluster.UserAdmin) || deployed.AppEnv[cluster.EnvUsername] != string(cluster.UserApp) {
		t.Fatalf("adminUser %q, %s %q; want admin and app", deployed.AdminUser, cluster.EnvUsername, deployed.AppEnv[cluster.EnvUsername])
	}
	appPassword := deployed.AppEnv[cluster.EnvPassword]
	if appPassword == "" || appPassword == d.Password {
		t.Fatalf("the app's password must be its own, not the admin's")
	}
	if deployed.AppEnv[cluster.EnvTLS] != "true" || deployed.AppEnv[cluster.EnvTLSCACert] != deployed.TLSCACert {
		t.Fatalf("app env lacks %s=true and the CA in %s", cluster.EnvTLS, cluster.EnvTLSCACert)
	}
	stacktest.RequireHealthy(t, ctx, deployed.Target(true))

	// The app as a go-redis user would write it from the env contract alone.
	tlsConfig, err := verify.TLSConfigFromPEM(deployed.AppEnv[cluster.EnvTLSCACert])
	if err != nil {
		t.Fatal(err)
	}
	tlsConfig.ServerName = strings.Split(deployed.Sentinels[0], ":")[0] // every process is announced on the gateway address
	app := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: deployed.MasterName, SentinelAddrs: deployed.Sentinels,
		Username: deployed.AppEnv[cluster.EnvUsername], Password: appPassword,
		SentinelUsername: deployed.AppEnv[cluster.EnvUsername], SentinelPassword: appPassword,
		TLSConfig: tlsConfig,
	})
	defer app.Close()
	if err := app.Set(ctx, verify.KeyPrefix+"acl", "v", time.Minute).Err(); err != nil {
		t.Fatalf("app user SET through Sentinel: %v", err)
	}
	for _, cmd := range [][]any{{"CONFIG", "SET", "appendonly", "no"}, {"FLUSHALL"}, {"SHUTDOWN", "NOSAVE"}, {"ACL", "LIST"}, {"REPLICAOF", "NO", "ONE"}} {
		if err := app.Do(ctx, cmd...).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("app user %v: %v, want NOPERM", cmd, err)
		}
	}
	for _, addr := range append(append([]string{}, deployed.Nodes...), deployed.Sentinels...) {
		plain := redis.NewClient(&redis.Options{Addr: addr, Username: deployed.AdminUser, Password: d.Password,
			MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second, DisableIdentity: true})
		if err := plain.Ping(ctx).Err(); err == nil {
			t.Errorf("%s accepted a plaintext client", addr)
		}
		plain.Close()
		anon := redis.NewClient(&redis.Options{Addr: addr, TLSConfig: tlsConfig, MaxRetries: -1, DisableIdentity: true})
		if err := anon.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
			t.Errorf("%s: unauthenticated PING over TLS = %v, want NOAUTH", addr, err)
		}
		anon.Close()
		def := redis.NewClient(&redis.Options{Addr: addr, Password: d.Password, TLSConfig: tlsConfig, MaxRetries: -1})
		if err := def.Ping(ctx).Err(); err == nil {
			t.Errorf("%s: the default user authenticated; it must be disabled", addr)
		}
		def.Close()
	}
	t.Run("ports published on the host-only gateway address only, the monitor on loopback", func(t *testing.T) {
		published, err := d.Host.PublishedAddresses(ctx, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		gateway := strings.Split(deployed.Sentinels[0], ":")[0]
		if len(published) != len(deployed.Nodes)+len(deployed.Sentinels)+1 {
			t.Errorf("published %v, want one port per node and sentinel, and the monitor's", published)
		}
		monitor := strings.TrimSuffix(strings.TrimPrefix(deployed.HealthURL, "http://"), "/health")
		for _, p := range published {
			if !strings.Contains(p, " "+gateway+":") && !strings.HasSuffix(p, " "+monitor) {
				t.Errorf("%s is published beyond the gateway address %s and the monitor's %s", p, gateway, monitor)
			}
		}
	})
	t.Run("no password in plaintext", func(t *testing.T) {
		requireNoSecretLeak(t, ctx, d)
	})
}
