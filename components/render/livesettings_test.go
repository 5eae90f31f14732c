package render_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// TestStartScript_NewDiskTakesLiveSettingsFromPeers: a data node back on an
// empty disk has lost the live settings its rewritten config held; it takes
// them from a peer, so as a master it still refuses writes without a replica.
func TestStartScript_NewDiskTakesLiveSettingsFromPeers(t *testing.T) {
	c := redistest.Start(t, redistest.Options{MinReplicasToWrite: 1})
	ctx := context.Background()
	replica := c.Layout.Nodes[2].String()
	if err := c.LoseData(ctx, replica); err != nil {
		t.Fatal(err)
	}
	opts := c.Target().ClientOptions(replica)
	node := redis.NewClient(opts)
	defer node.Close()
	var got map[string]string
	testenv.WaitFor(t, 10*time.Second, "the node back on an empty disk answers CONFIG GET", func() (string, bool) {
		var err error
		got, err = node.ConfigGet(ctx, "min-replicas-to-write").Result()
		return "", err == nil
	})
	if got["min-replicas-to-write"] != "1" {
		t.Errorf("min-replicas-to-write = %q after a lost disk, want the live 1\nlog:\n%s", got["min-replicas-to-write"], c.NodeLog(2))
	}
	if log := c.NodeLog(2); !strings.Contains(log, "live settings from node") {
		t.Errorf("the node's log does not say where its live settings came from:\n%s", log)
	}
}

// TestSentinelStartScript_NewSentinelTakesTimersFromPeers: a new sentinel (no
// config of its own) runs with its peers' live timers, not Redis's defaults.
func TestSentinelStartScript_NewSentinelTakesTimersFromPeers(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	paths := sentinelTestPaths(t.TempDir())
	for path, content := range map[string]string{
		paths.BootstrapConf: render.SentinelConf(c.Spec, c.Layout, 0), paths.AuthConf: render.SentinelAuthConf(c.Spec), paths.PasswordFile: c.Spec.Password,
	} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("sh", "-c", render.SentinelStartScript(c.Spec, c.Layout, 0, paths)).CombinedOutput()
	if err != nil {
		t.Fatalf("sentinel start script: %v\n%s", err, out)
	}
	for _, want := range []string{
		"sentinel down-after-milliseconds mymaster 1000\n", "sentinel failover-timeout mymaster 10000\n", "sentinel parallel-syncs mymaster 1\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("new sentinel's config lacks %q:\n%s", want, out)
		}
	}
}
