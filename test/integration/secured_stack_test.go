package integration

import (
	"context"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/faultmatrix"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/verify"
)

// securedStack deploys a healthy stack of the secured profile (staging's:
// min-replicas-to-write 1, ACL users, TLS only, down-after 2000 ms) on slot,
// and returns its outputs, a checker (closed with the test) and the fault
// environment the matrix and the soak inject into.
func securedStack(t *testing.T, ctx context.Context, slot stacktest.Slot) (*stacktest.Docker, automation.Deployed, *verify.Checker, faultmatrix.Env) {
	t.Helper()
	d := stacktest.NewDocker(t, ctx, slot, map[string]string{
		cluster.KeyMinReplicasToWrite: "1",
		cluster.KeyMinReplicasMaxLag:  "2",
		cluster.KeyACL:                "true",
		cluster.KeyTLS:                "true",
	})
	res, _ := d.Up(ctx)
	deployed, err := automation.DeployedFromOutputs(res.Outputs)
	if err != nil {
		t.Fatal(err)
	}
	target := deployed.Target(true)
	stacktest.RequireHealthy(t, ctx, target)
	checker, err := verify.NewChecker(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checker.Close() })
	env := faultmatrix.Env{Host: d.Host, Cluster: d.Name, Network: cluster.Spec{Name: d.Name}.NetworkName(),
		DownAfter: time.Duration(deployed.Timers.DownAfterMilliseconds) * time.Millisecond, AdminUser: deployed.AdminUser}
	return d, deployed, checker, env
}
