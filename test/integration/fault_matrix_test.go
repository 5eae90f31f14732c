package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/internal/faultmatrix"
	"github.com/platform-team/redis-sentinel/verify"
)

// TestFaultMatrix_FastSubset runs the CI subset of the fault matrix on a
// stack of the secured profile (staging's: min-replicas-to-write 1, ACL users,
// TLS only, down-after 2000 ms): every case must end healthy
// with exactly one master, and no acknowledged write may be lost. The full
// matrix runs from scripts/fault-matrix.sh.
func TestFaultMatrix_FastSubset(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	_, _, checker, env := securedStack(t, ctx, 1)
	var cases []faultmatrix.Case
	for _, c := range faultmatrix.Cases(env) {
		if c.Fast {
			cases = append(cases, c)
		}
	}
	// A write counts once a replica has it (WAIT 1): with asynchronous
	// replication, a partition can otherwise cut off the master's last
	// acknowledged write before any replica received it.
	// Every case starts on 2,000 keys every replica acknowledged: no fault
	// may lose them (a master back on an empty disk would).
	rows := faultmatrix.Run(ctx, checker, cases, verify.DrillOptions{Deadline: 45 * time.Second, WaitReplicas: 1, Preload: 2000,
		Progress: func(m string) { t.Log(m) }})
	var table strings.Builder
	_ = faultmatrix.PrintTable(&table, rows)
	t.Logf("fault matrix (fast subset):\n%s", table.String())
	for _, r := range rows {
		switch {
		case r.Err != "":
			t.Errorf("%s: %s", r.Case, r.Err)
		case r.Result.WritesLost != 0:
			t.Errorf("%s: %d acknowledged writes lost", r.Case, r.Result.WritesLost)
		case !r.Result.Health.Passed():
			t.Errorf("%s: unhealthy afterwards", r.Case)
		}
	}
}
