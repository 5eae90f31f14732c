// Package stacktest deploys throwaway stacks of the real program for
// end-to-end tests (Automation API, inline program = main.go's program, a file
// backend in the test's temp dir) and waits for them to be healthy.
package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// Slot places a test stack on its own subnet and host ports, clear of the
// quick-start stack and of each other: slot n uses 172.28.(200+n).0/24 and
// host ports 18379+100n (nodes) / 22379+100n (sentinels, monitor at +99).
// Every port stays below Linux's ephemeral range (32768-60999): there, a
// test's own loopback client connection can hold the port a container is
// about to publish, and `pulumi up` fails with "address already in use".
// Suites own their slots: test/integration 0-9, test/clients 10-19.
type Slot int

// Config is the slot's network and port settings.
func (s Slot) Config() map[string]string {
	return map[string]string{
		cluster.KeyDockerSubnet:           fmt.Sprintf("172.28.%d.0/24", 200+int(s)),
		cluster.KeyDockerNodePortBase:     strconv.Itoa(18379 + 100*int(s)),
		cluster.KeyDockerSentinelPortBase: strconv.Itoa(22379 + 100*int(s)),
	}
}

// Passphrase encrypts the throwaway test stacks' secrets.
const Passphrase = "integration-test-only"

// Docker is a test stack on the local Docker daemon.
type Docker struct {
	T        *testing.T
	Stack    auto.Stack
	Host     *dockerhost.Host
	Name     string // cluster name: the resource prefix and label value
	Password string
	Backend  string // the file backend's directory: the Pulumi state
}

// NewDocker prepares (does not deploy) a Docker stack of the local image with the
// fastest safe timers (down-after 2000 ms, see cluster.SafeDownAfterMilliseconds),
// on slot's network, with extra config on top; it is destroyed when the test ends,
// failed or not.
func NewDocker(t *testing.T, ctx context.Context, slot Slot, extra map[string]string) *Docker {
	testenv.RequirePulumi(t)
	testenv.RequireDockerPlugin(t)
	host := testenv.RequireDocker(t, testenv.LocalImage)
	testenv.RequireDocker(t, testenv.MonitorImage)

	suffix := RandomHex(3)
	d := &Docker{T: t, Host: host, Name: "it-" + suffix, Password: "it-" + RandomHex(12), Backend: t.TempDir()}
	s, err := automation.UpsertInlineStack(ctx, "it-"+suffix, automation.InlineOptions{
		BackendURL: "file://" + d.Backend,
		Passphrase: Passphrase,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.Stack = s
	config := map[string]string{
		cluster.KeyName:            d.Name,
		cluster.KeyImage:           testenv.LocalImage,
		cluster.KeyDownAfter:       strconv.Itoa(cluster.SafeDownAfterMilliseconds),
		cluster.KeyFailoverTimeout: "10000",
	}
	maps.Copy(config, slot.Config())
	maps.Copy(config, extra)
	d.SetConfig(ctx, config)
	// Destroy even when the test fails, so no container outlives it.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if _, err := d.Stack.Destroy(ctx, optdestroy.ContinueOnError()); err != nil {
			t.Errorf("cleanup destroy: %v", err)
		}
		_ = d.Stack.Workspace().RemoveStack(ctx, d.Stack.Name())
	})
	return d
}

// SetConfig sets plain config values (and the stack's password, as a secret).
func (d *Docker) SetConfig(ctx context.Context, plain map[string]string) {
	d.T.Helper()
	if err := automation.SetConfig(ctx, d.Stack, plain, d.Password); err != nil {
		d.T.Fatal(err)
	}
}

// Up runs `pulumi up` and says how long it took.
func (d *Docker) Up(ctx context.Context) (auto.UpResult, time.Duration) {
	d.T.Helper()
	start := time.Now()
	res, err := d.Stack.Up(ctx, optup.SuppressProgress())
	if err != nil {
		d.T.Fatalf("pulumi up: %v", err)
	}
	return res, time.Since(start)
}

// RandomHex is n random bytes, hex-encoded: unique names for test stacks.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
