// Package testenv finds what integration tests need (pulumi, Docker, the
// docker plugin, the Redis image, redis binaries) and says loudly when
// something is missing: in CI (CI set), where .ci/run installs everything, a
// missing prerequisite fails the test; locally it skips with the reason.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/internal/dockerhost"
)

// Pinned versions, as scripts/toolchain.sh builds them.
const (
	PulumiVersion       = "v3.274.1"
	DockerPluginVersion = "4.9.0"
	// KubernetesPluginVersion is what scripts/kube/plugin.sh builds.
	KubernetesPluginVersion = "4.25.0"
	// LocalImage is what scripts/build-image.sh builds.
	LocalImage = "redis-sentinel-local:7.0.15"
	// MonitorImage is the monitor image scripts/build-image.sh builds.
	MonitorImage = "redis-sentinel-monitor:local"
)

// RepoRoot is the repository root (the directory holding go.mod).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Missing stops the test for an absent prerequisite: fatal in CI, skip locally.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("prerequisite missing in CI: "+format, args...)
	}
	t.Skipf("SKIP (prerequisite missing): "+format, args...)
}

// RequirePulumi puts the repo's toolchain first on PATH and checks the pinned
// CLI answers.
func RequirePulumi(t testing.TB) {
	t.Helper()
	bin := filepath.Join(RepoRoot(), ".tools", "bin")
	if dir := os.Getenv("TOOLS_DIR"); dir != "" {
		bin = filepath.Join(dir, "bin")
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
	out, err := exec.Command("pulumi", "version").Output()
	if err != nil {
		Missing(t, "pulumi CLI not found (run scripts/toolchain.sh): %v", err)
		return
	}
	if got := strings.TrimSpace(string(out)); got != PulumiVersion {
		Missing(t, "pulumi %s found, want %s (run scripts/toolchain.sh)", got, PulumiVersion)
	}
}

// RequireDockerPlugin checks the docker resource plugin is installed (fatal in
// CI): scripts/docker-plugin.sh (run by scripts/toolchain.sh) builds it on a
// machine that cannot download it.
func RequireDockerPlugin(t testing.TB) {
	t.Helper()
	plugin := pluginPath("docker", DockerPluginVersion)
	if _, err := os.Stat(plugin); err != nil {
		Missing(t, "docker plugin %s not installed (run scripts/docker-plugin.sh): %v", DockerPluginVersion, err)
	}
}

// pluginPath is where `pulumi plugin install resource NAME VERSION` puts the
// binary: under $PULUMI_HOME, else ~/.pulumi of the OS user (as Pulumi finds
// it: from the user database, not $HOME).
func pluginPath(name, version string) string {
	home := os.Getenv("PULUMI_HOME")
	if home == "" {
		userHome, _ := os.UserHomeDir()
		if u, err := user.Current(); err == nil && u.HomeDir != "" {
			userHome = u.HomeDir
		}
		home = filepath.Join(userHome, ".pulumi")
	}
	return filepath.Join(home, "plugins", "resource-"+name+"-v"+version, "pulumi-resource-"+name)
}

// RequireDocker connects to the daemon and checks the local image exists.
func RequireDocker(t testing.TB, image string) *dockerhost.Host {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	host, err := dockerhost.Connect(ctx)
	if err != nil {
		Missing(t, "%v (start dockerd)", err)
		return nil
	}
	t.Cleanup(func() { _ = host.Close() })
	if ok, err := host.HasImage(ctx, image); !ok {
		Missing(t, "image %s not built (run scripts/build-image.sh): %v", image, err)
	}
	return host
}

// WaitFor polls cond until it holds or within passes, then fails the test
// with what and cond's last observation; it returns the observation.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() (string, bool)) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		obs, ok := cond()
		if ok {
			return obs
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true within %s: %s; last: %s", within, what, obs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// KubeE2EEnv, when set, says a Kubernetes cluster is up for the end-to-end
// tests ($KUBECONFIG points at it; scripts/kube/stack-e2e.sh sets both).
const KubeE2EEnv = "REDIS_SENTINEL_KUBE_E2E"

// KubeDNSEnv is the cluster DNS the tests resolve pod names through (the host
// must route the pod network). Default: 10.96.0.10:53, scripts/kube's kube-dns.
const KubeDNSEnv = "REDIS_SENTINEL_KUBE_DNS"

// RequireKubernetes skips, loudly, unless a cluster was brought up for the
// Kubernetes end-to-end tests; once one is, anything else missing fails.
// It returns the DNS server to resolve pod names through.
func RequireKubernetes(t testing.TB) string {
	t.Helper()
	if os.Getenv(KubeE2EEnv) == "" {
		t.Skipf("SKIP (no Kubernetes cluster for end-to-end tests: run scripts/kube/stack-e2e.sh, which sets %s)", KubeE2EEnv)
	}
	if os.Getenv("KUBECONFIG") == "" {
		t.Fatalf("%s is set but KUBECONFIG is not", KubeE2EEnv)
	}
	RequirePulumi(t)
	plugin := pluginPath("kubernetes", KubernetesPluginVersion)
	if _, err := os.Stat(plugin); err != nil {
		t.Fatalf("kubernetes plugin %s not installed (run scripts/kube/plugin.sh): %v", KubernetesPluginVersion, err)
	}
	if dns := os.Getenv(KubeDNSEnv); dns != "" {
		return dns
	}
	return "10.96.0.10:53"
}

// KubeAPIEnv, when set, says $KUBECONFIG points at a Kubernetes API server
// (at least scripts/kube/up.sh --control-plane) for server-side dry-runs.
// CI always starts one, so there a missing API server fails the test.
const KubeAPIEnv = "REDIS_SENTINEL_KUBE_API"

// RequireKubeAPI stops the test unless an API server is available.
func RequireKubeAPI(t testing.TB) {
	t.Helper()
	if os.Getenv(KubeAPIEnv) == "" && os.Getenv(KubeE2EEnv) == "" {
		Missing(t, "no Kubernetes API server for dry-runs: run scripts/kube/up.sh --control-plane and set %s=1 and KUBECONFIG", KubeAPIEnv)
	}
	if os.Getenv("KUBECONFIG") == "" {
		t.Fatalf("%s is set but KUBECONFIG is not", KubeAPIEnv)
	}
}
