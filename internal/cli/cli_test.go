package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/redistest"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	if os.Getenv(EnvAuditLog) == "" {
		t.Setenv(EnvAuditLog, "off")
	}
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// useEnvContract points the CLI at a cluster the way the app is pointed at it.
func useEnvContract(t *testing.T, c *redistest.Cluster, password string) {
	t.Setenv(cluster.EnvSentinels, strings.Join(c.Layout.SentinelAddrs(), ","))
	t.Setenv(cluster.EnvSentinelMasterName, c.Spec.MasterName)
	t.Setenv(cluster.EnvPassword, password)
}

func TestMain_ExitCodes(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})

	t.Run("healthy cluster exits 0 with a table", func(t *testing.T) {
		useEnvContract(t, c, c.Spec.Password)
		code, out, errOut := run(t, "verify", "--replicas", "2")
		if code != ExitOK || !strings.Contains(out, "master-agreement") || !strings.Contains(out, "healthy: master") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("failed check exits 1", func(t *testing.T) {
		useEnvContract(t, c, c.Spec.Password)
		code, out, _ := run(t, "verify", "--replicas", "5")
		if code != ExitCheckFailed || !strings.Contains(out, "FAIL") {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})
	t.Run("wrong password is a connection error, exit 2", func(t *testing.T) {
		useEnvContract(t, c, "wrong-password-for-sure")
		code, _, errOut := run(t, "verify")
		if code != ExitUsage || !strings.Contains(errOut, "no sentinel answered") {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
	})
	t.Run("no cluster given is a usage error, exit 2", func(t *testing.T) {
		t.Setenv(cluster.EnvSentinels, "")
		code, _, errOut := run(t, "verify")
		if code != ExitUsage || !strings.Contains(errOut, "--stack") {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
	})
	t.Run("unknown drill is a usage error", func(t *testing.T) {
		useEnvContract(t, c, c.Spec.Password)
		if code, _, errOut := run(t, "drill", "meteor"); code != ExitUsage || !strings.Contains(errOut, "invalid argument") {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
	})
	t.Run("fault drills without a deployed stack are refused", func(t *testing.T) {
		useEnvContract(t, c, c.Spec.Password)
		for _, kind := range []string{"crash", "crash-restart", "data-loss"} {
			code, _, errOut := run(t, "drill", kind)
			if code != ExitUsage || !strings.Contains(errOut, "needs --stack of a deployed stack") {
				t.Fatalf("%s: exit %d, stderr %s", kind, code, errOut)
			}
		}
	})
	t.Run("switchover drill prints JSON and progress", func(t *testing.T) {
		useEnvContract(t, c, c.Spec.Password)
		code, out, errOut := run(t, "drill", "switchover", "--json")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		var report struct {
			Runs []struct {
				WritesLost int    `json:"writesLost"`
				NewMaster  string `json:"newMaster"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &report); err != nil || len(report.Runs) != 1 {
			t.Fatalf("JSON %v: %s", err, out)
		}
		if report.Runs[0].WritesLost != 0 || report.Runs[0].NewMaster == "" || !strings.Contains(errOut, "writes paused") {
			t.Fatalf("report %+v, progress %s", report, errOut)
		}
	})
}

func TestMain_WritesAuditRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	t.Setenv(EnvAuditLog, path)
	t.Setenv(cluster.EnvSentinels, "")
	if code, _, _ := run(t, "verify", "--sentinels", "127.0.0.1:1"); code != ExitUsage {
		t.Fatalf("exit %d, want %d (nothing listens on port 1)", code, ExitUsage)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d audit records, want start and end:\n%s", len(lines), data)
	}
	var start, end map[string]any
	if json.Unmarshal([]byte(lines[0]), &start) != nil || json.Unmarshal([]byte(lines[1]), &end) != nil {
		t.Fatalf("records are not JSON:\n%s", data)
	}
	if start["event"] != "start" || start["user"] == "" || !strings.Contains(start["command"].(string), "verify --sentinels 127.0.0.1:1") || start["time"] == nil {
		t.Fatalf("start record %v", start)
	}
	if end["event"] != "end" || end["exitCode"] != float64(ExitUsage) || end["error"] == nil {
		t.Fatalf("end record %v", end)
	}
}
