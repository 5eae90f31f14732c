package clients

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/internal/stacktest"
	"github.com/platform-team/redis-sentinel/verify"
)

// Fault is one phase the clients write through: a drill that returns once the
// cluster is healthy again.
type Fault struct {
	Name string
	// Lossless faults (a switchover, a pod deletion with its pre-stop
	// handover) must not lose an acknowledged write of any client.
	Lossless bool
	Run      func(ctx context.Context) verify.DrillResult
}

// Deployment is a stack as the suite sees it: the app contract handed to
// the clients, and the admin's view for drills and run ids.
type Deployment struct {
	Profile string
	AppEnv  map[string]string
	Target  verify.Target
	// OnLoss, when set, runs once if any client lost a write (diagnostics).
	OnLoss func()
}

// RunProfile starts every program at once against the deployment, checks
// what each discovered, and takes them through faults in order. Asserted:
// each client writes to the master (by run id), read 100 keys back and read
// through a replica; after every fault each writes to the new master, and a
// lossless fault lost nothing. The rows report every client's gaps and losses.
func RunProfile(t *testing.T, ctx context.Context, d Deployment, programs []Program, faults []Fault) Table {
	t.Helper()
	master := stacktest.RequireHealthy(t, ctx, d.Target)
	running := make([]*Client, 0, len(programs))
	for _, p := range programs {
		c, err := Start(ctx, p, d.AppEnv, "clients:"+p.Name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := c.Close(); err != nil {
				t.Error(err)
			}
		})
		running = append(running, c)
	}
	rows := make(Table, len(running))
	lossSeen := false
	defer func() {
		if lossSeen && d.OnLoss != nil {
			d.OnLoss()
		}
	}()
	wantRunID := runID(t, ctx, d.Target, master)
	for i, c := range running {
		ready, err := c.Next(ctx, "ready", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = Row{Client: c.Program.Name, Library: ready.Library, Profile: d.Profile}
		if ready.RunID != wantRunID || ready.Role != "master" {
			t.Errorf("%s discovered a node with run id %s, role %s; the master %s has run id %s", c.Program.Name, ready.RunID, ready.Role, master, wantRunID)
		}
		if ready.Keys != 100 || !ready.ReplicaRead || ready.ReplicaRole != "slave" {
			t.Errorf("%s: %d of 100 keys read back; through a replica: read %v from a node of role %q", c.Program.Name, ready.Keys, ready.ReplicaRead, ready.ReplicaRole)
		}
	}

	for _, fault := range faults {
		for _, c := range running {
			if err := c.Send("write " + fault.Name); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Next(ctx, "writing", 10*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second) // writes flow before the fault ...
		drill := fault.Run(ctx)
		time.Sleep(time.Second) // ... and after the cluster is healthy again
		newRunID := runID(t, ctx, d.Target, drill.Health.Master)
		for i, c := range running {
			if err := c.Send("stop"); err != nil {
				t.Fatal(err)
			}
			r, err := c.Next(ctx, "result", 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			rows[i].Record(fault.Name, r, drill)
			t.Logf("%s %s: %d acknowledged, %d failed %v, %d lost, longest gap %s (the verifier's writer: %s)",
				c.Program.Name, fault.Name, r.Acked, r.Failed, r.Errors, r.Lost, r.LongestGap(), drill.WriteGap.Round(time.Millisecond))
			if r.Lost > 0 {
				lossSeen = true
				t.Logf("%s %s: writes %d..%d of 0..%d lost (10 ms apart); the drill: %s → %s, %d masters seen at once",
					c.Program.Name, fault.Name, r.FirstLost, r.LastLost, r.LastAcked, drill.OldMaster, drill.NewMaster, drill.MastersSeen)
			}
			if r.Acked == 0 {
				t.Errorf("%s %s: no write acknowledged", c.Program.Name, fault.Name)
			}
			if fault.Lossless && r.Lost != 0 {
				t.Errorf("%s lost %d acknowledged writes across the %s", c.Program.Name, r.Lost, fault.Name)
			}
			if r.RunID != newRunID || r.Role != "master" {
				t.Errorf("%s after the %s writes to run id %s (role %s), not the new master %s (run id %s)",
					c.Program.Name, fault.Name, r.RunID, r.Role, drill.Health.Master, newRunID)
			}
		}
	}
	return rows
}

// runID is the run id of the data node at addr, asked as the admin.
func runID(t *testing.T, ctx context.Context, target verify.Target, addr string) string {
	t.Helper()
	node := redis.NewClient(&redis.Options{Addr: addr, Username: target.Username, Password: target.Password,
		Dialer: target.EffectiveDialer(), DisableIdentity: true})
	defer node.Close()
	text, err := node.Info(ctx, "server").Result()
	if err != nil {
		t.Fatalf("node %s: info server: %v", addr, err)
	}
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "run_id:"); ok {
			return v
		}
	}
	t.Fatalf("node %s: no run_id in INFO server", addr)
	return ""
}
