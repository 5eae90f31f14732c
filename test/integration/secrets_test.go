package integration

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/internal/stacktest"
)

// requireNoSecretLeak greps everywhere a password could leak after `up`: the
// Pulumi state, the stack outputs as printed without --show-secrets, every
// container's configuration (`docker inspect`: env, command, healthcheck,
// labels), every container's logs and its running process's environment; also for any other secrets given (a
// provided TLS key, say).
func requireNoSecretLeak(t *testing.T, ctx context.Context, d *stacktest.Docker, others ...string) {
	t.Helper()
	secrets := append([]string{d.Password}, others...)
	count := func(text string) (n int) {
		for _, s := range secrets {
			n += strings.Count(text, s)
		}
		return n
	}
	leaks := map[string]int{}
	err := filepath.WalkDir(d.Backend, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		leaks["state "+filepath.Base(path)] += count(string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "pulumi", "stack", "output", "--json", "--stack", d.Stack.Name())
	cmd.Dir = d.Stack.Workspace().WorkDir()
	cmd.Env = append(os.Environ(), "PULUMI_BACKEND_URL=file://"+d.Backend, "PULUMI_CONFIG_PASSPHRASE="+stacktest.Passphrase)
	printed, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pulumi stack output: %v\n%s", err, printed)
	}
	leaks["stack outputs"] = count(string(printed))
	ids, err := d.Host.ContainerIDs(ctx, d.Name)
	if err != nil {
		t.Fatal(err)
	}
	for name := range ids {
		inspect, err := exec.CommandContext(ctx, "docker", "inspect", name).CombinedOutput()
		if err != nil {
			t.Fatalf("docker inspect %s: %v", name, err)
		}
		logs, err := exec.CommandContext(ctx, "docker", "logs", name).CombinedOutput()
		if err != nil {
			t.Fatalf("docker logs %s: %v", name, err)
		}
		leaks["inspect "+name] = count(string(inspect))
		leaks["logs "+name] = count(string(logs))
		// The running process's environment (a start script's redis-cli
		// password must not survive its exec); jobs have exited.
		if environ, err := d.Host.Exec(ctx, name, "cat", "/proc/1/environ"); err == nil && !strings.Contains(environ, "is not running") {
			leaks["environment of "+name] = count(environ)
		}
	}
	for where, n := range leaks {
		if n > 0 {
			t.Errorf("a secret found %d times in %s", n, where)
		}
	}
	if strings.Count(string(printed), "[secret]") < 2 {
		t.Errorf("appEnv and dotenv are not shown as [secret] in the outputs:\n%s", printed)
	}
	t.Logf("searched %d places (state, outputs, inspect, logs and process environments of %d containers) for %d secrets: none in plaintext", len(leaks), len(ids), len(secrets))
}
