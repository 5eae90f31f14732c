package integration

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"golang.org/x/mod/modfile"

	"github.com/platform-team/redis-sentinel/internal/pluginschema"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// TestDockerPlugin_SchemaMatchesSDK holds the installed docker plugin (on an
// offline machine: the one scripts/docker-plugin.sh builds from
// tools/pulumi-resource-docker) to the pulumi-docker Go SDK go.mod pins: for
// every resource the project creates, every input and output field the SDK
// has must be in the plugin's schema with the same shape, and nothing the
// schema requires may be optional in the SDK.
func TestDockerPlugin_SchemaMatchesSDK(t *testing.T) {
	if sdk := sdkVersion(t, "github.com/pulumi/pulumi-docker/sdk/v4"); sdk != "v"+testenv.DockerPluginVersion {
		t.Fatalf("go.mod pins pulumi-docker sdk %s but the tests and scripts/docker-plugin.sh expect plugin %s", sdk, testenv.DockerPluginVersion)
	}
	testenv.RequirePulumi(t)
	testenv.RequireDockerPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pkg, err := pluginschema.FromPlugin(ctx, "docker", testenv.DockerPluginVersion)
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Version != testenv.DockerPluginVersion {
		t.Errorf("plugin schema reports version %q, want %s", pkg.Version, testenv.DockerPluginVersion)
	}
	resources := []struct {
		token          string
		args, resource any
	}{
		{"docker:index/network:Network", docker.NetworkArgs{}, docker.Network{}},
		{"docker:index/volume:Volume", docker.VolumeArgs{}, docker.Volume{}},
		{"docker:index/container:Container", docker.ContainerArgs{}, docker.Container{}},
	}
	for _, r := range resources {
		args := r.args.(interface{ ElementType() reflect.Type }).ElementType()
		report := pkg.CompareResource(r.token, args, reflect.TypeOf(r.resource))
		for _, m := range report.Mismatches {
			t.Errorf("%s", m)
		}
		t.Logf("%s: %d fields compared, %d mismatches; schema inputs the SDK cannot send: %v",
			r.token, report.Checked, len(report.Mismatches), report.Unused)
		if report.Checked == 0 {
			t.Errorf("%s: no field compared", r.token)
		}
	}
}

// sdkVersion is the version go.mod requires of module path.
func sdkVersion(t *testing.T, path string) string {
	t.Helper()
	name := filepath.Join(testenv.RepoRoot(), "go.mod")
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.ParseLax(name, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range mod.Require {
		if req.Mod.Path == path {
			return req.Mod.Version
		}
	}
	t.Fatalf("go.mod does not require %s", path)
	return ""
}
