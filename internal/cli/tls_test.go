package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// tls init on a TLS stack not deployed yet generates its material once,
// stores the key as a secret, and leaves it alone on the next run; a stack
// without TLS is left alone. Real Pulumi CLI, file backend.
func TestTLSInit_GeneratesOnceAndStoresTheKeyAsASecret(t *testing.T) {
	testenv.RequirePulumi(t)
	dir := t.TempDir()
	project, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_BACKEND_URL", "file://"+t.TempDir())
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "tls-init-test")
	pulumi := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("pulumi", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pulumi %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, stack := range []string{"plain", "secured"} {
		pulumi("stack", "init", stack)
		pulumi("config", "set", "--stack", stack, "--secret", cluster.KeyPassword, "a-strong-password-123")
	}
	pulumi("config", "set", "--stack", "secured", cluster.KeyTLS, "true")

	if code, _, errOut := run(t, "tls", "init", "--stack", "typo", "--project-dir", dir); code == ExitOK || !strings.Contains(errOut, "typo") {
		t.Fatalf("a stack that does not exist: exit %d, stderr %s", code, errOut)
	}
	if out := pulumi("stack", "ls"); strings.Contains(out, "typo") {
		t.Fatalf("tls init created the stack it was asked about:\n%s", out)
	}
	code, out, errOut := run(t, "tls", "init", "--stack", "plain", "--project-dir", dir)
	if code != ExitOK || !strings.Contains(out, "nothing to do") {
		t.Fatalf("plain stack: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "tls", "init", "--stack", "secured", "--project-dir", dir)
	if code != ExitOK || !strings.Contains(out, "generated") {
		t.Fatalf("TLS stack: exit %d\n%s\n%s", code, out, errOut)
	}
	stackFile, err := os.ReadFile(filepath.Join(dir, "Pulumi.secured.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stackFile), "PRIVATE KEY") || !strings.Contains(string(stackFile), "BEGIN CERTIFICATE") {
		t.Fatalf("Pulumi.secured.yaml must hold the certificates in the clear and the key encrypted:\n%s", stackFile)
	}
	if key := pulumi("config", "get", "--stack", "secured", cluster.KeyTLSKey); !strings.Contains(key, "PRIVATE KEY") {
		t.Fatalf("tlsKey does not decrypt to a key: %q", key)
	}
	code, out, _ = run(t, "tls", "init", "--stack", "secured", "--project-dir", dir)
	if code != ExitOK || !strings.Contains(out, "nothing to do") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "Pulumi.secured.yaml")); string(again) != string(stackFile) {
		t.Fatal("a second tls init changed the stack's material")
	}
}
