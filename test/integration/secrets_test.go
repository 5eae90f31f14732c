package integration

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireNoSecretLeak greps everywhere a password could leak after `up`: the
// Pulumi state, the stack outputs as printed without --show-secrets, every
// container's configuration (`docker inspect`: env, command, healthcheck,
// labels) and every container's logs.
func requireNoSecretLeak(t *testing.T, ctx context.Context, d *dockerStack) {
	t.Helper()
	leaks := map[string]int{}
	err := filepath.WalkDir(d.backend, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		leaks["state "+filepath.Base(path)] += strings.Count(string(data), d.password)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "pulumi", "stack", "output", "--json", "--stack", d.stack.Name())
	cmd.Dir = d.stack.Workspace().WorkDir()
	cmd.Env = append(os.Environ(), "PULUMI_BACKEND_URL=file://"+d.backend, "PULUMI_CONFIG_PASSPHRASE="+testPassphrase)
	printed, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pulumi stack output: %v\n%s", err, printed)
	}
	leaks["stack outputs"] = strings.Count(string(printed), d.password)
	ids, err := d.host.ContainerIDs(ctx, d.name)
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
		leaks["inspect "+name] = strings.Count(string(inspect), d.password)
		leaks["logs "+name] = strings.Count(string(logs), d.password)
	}
	for where, n := range leaks {
		if n > 0 {
			t.Errorf("password found %d times in %s", n, where)
		}
	}
	if strings.Count(string(printed), "[secret]") < 2 {
		t.Errorf("appEnv and dotenv are not shown as [secret] in the outputs:\n%s", printed)
	}
	t.Logf("searched %d places (state, outputs, inspect and logs of %d containers): no plaintext password", len(leaks), len(ids))
}
