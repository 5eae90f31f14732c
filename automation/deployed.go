// Package automation drives this project's stacks through the Pulumi Automation API:
// reading what a stack deployed, and running the program inline (tests, rollouts).
package automation

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/verify"
)

// Deployed is what a stack's outputs say about its cluster, secrets included.
type Deployed struct {
	Name       string
	Platform   cluster.Platform
	Mode       cluster.Mode
	MasterName string
	Sentinels  []string
	Nodes      []string
	Timers     cluster.Timers
	AppEnv     map[string]string
	DotEnv     string
	// Namespace is set for Kubernetes stacks.
	Namespace string
	// AdminUser and AdminPassword are the tooling's credentials (the default
	// user and the app's password on stacks without ACL).
	AdminUser     string
	AdminPassword string
	// HealthURL and MetricsURL are the monitor's ("" without one).
	HealthURL  string
	MetricsURL string
	// TLSCACert is the CA (PEM) of a TLS stack, else ""; TLS trusts it.
	TLSCACert string
	TLS       *tls.Config
}

// ReadDeployed reads a stack's outputs from its backend (the project in
// workDir, with the caller's PULUMI_BACKEND_URL and passphrase). It runs the CLI
// once, `pulumi stack output --json --show-secrets` (0.4 s here): reading them
// through an auto.Stack runs it four times (version check, select, and the
// outputs masked and unmasked), 1.2 s of every verify.
func ReadDeployed(ctx context.Context, stackName, workDir string) (Deployed, error) {
	cmd := exec.CommandContext(ctx, "pulumi", "stack", "output", "--json", "--show-secrets", "--non-interactive", "--stack", stackName)
	cmd.Dir = workDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		return Deployed{}, fmt.Errorf("stack %s: read outputs: %w: %s", stackName, err, strings.TrimSpace(stderr.String()))
	}
	var values map[string]interface{}
	if err := json.Unmarshal(stdout, &values); err != nil {
		return Deployed{}, fmt.Errorf("stack %s: decode outputs: %w", stackName, err)
	}
	out := auto.OutputMap{}
	for k, v := range values {
		out[k] = auto.OutputValue{Value: v}
	}
	return DeployedFromOutputs(out)
}

// DeployedFromOutputs decodes stack outputs as the components export them.
func DeployedFromOutputs(out auto.OutputMap) (Deployed, error) {
	var d Deployed
	var errs []error
	str := func(key string) string {
		v, ok := out[key].Value.(string)
		if !ok {
			errs = append(errs, fmt.Errorf("output %s missing or not a string", key))
		}
		return v
	}
	strs := func(key string) []string {
		raw, _ := out[key].Value.([]interface{})
		list := make([]string, 0, len(raw))
		for _, v := range raw {
			list = append(list, fmt.Sprint(v))
		}
		return list
	}
	d.Name = str(cluster.OutputName)
	d.Platform = cluster.Platform(str(cluster.OutputPlatform))
	d.Mode = cluster.Mode(str(cluster.OutputMode))
	d.MasterName = str(cluster.OutputMasterName)
	d.DotEnv = str(cluster.OutputDotEnv)
	d.Namespace, _ = out[cluster.OutputNamespace].Value.(string)
	d.AdminUser, _ = out[cluster.OutputAdminUser].Value.(string)
	d.AdminPassword, _ = out[cluster.OutputAdminPassword].Value.(string)
	d.TLSCACert, _ = out[cluster.OutputTLSCACert].Value.(string)
	d.HealthURL, _ = out[cluster.OutputHealthURL].Value.(string)
	d.MetricsURL, _ = out[cluster.OutputMetricsURL].Value.(string)
	if d.TLSCACert != "" {
		var err error
		if d.TLS, err = verify.TLSConfigFromPEM(d.TLSCACert); err != nil {
			errs = append(errs, fmt.Errorf("output %s: %w", cluster.OutputTLSCACert, err))
		}
	}
	d.Sentinels = strs(cluster.OutputSentinels)
	d.Nodes = strs(cluster.OutputNodes)
	d.AppEnv = map[string]string{}
	if env, ok := out[cluster.OutputAppEnv].Value.(map[string]interface{}); ok {
		for k, v := range env {
			d.AppEnv[k] = fmt.Sprint(v)
		}
	}
	if timers, ok := out[cluster.OutputTimers].Value.(map[string]interface{}); ok {
		num := func(k string) int { f, _ := timers[k].(float64); return int(f) }
		d.Timers = cluster.Timers{
			DownAfterMilliseconds:       num(cluster.KeyDownAfter),
			FailoverTimeoutMilliseconds: num(cluster.KeyFailoverTimeout),
			ParallelSyncs:               num(cluster.KeyParallelSyncs),
		}
	}
	if d.AdminPassword == "" { // stacks deployed before the admin outputs existed
		d.AdminPassword = d.AppEnv[cluster.EnvPassword]
	}
	if len(errs) > 0 {
		return d, fmt.Errorf("stack outputs: %v", errs)
	}
	return d, nil
}

// Target is the verifier's view of the deployed cluster: its sentinels and
// password, the stack's node list, and the replicas (and, withTimers, the
// Sentinel timers) the stack configured; a standalone stack's node alone.
func (d Deployed) Target(withTimers bool) verify.Target {
	if d.Mode == cluster.ModeStandalone && len(d.Nodes) > 0 {
		return verify.Target{Standalone: d.Nodes[0], Username: d.AdminUser, Password: d.AdminPassword, TLS: d.TLS}
	}
	t := verify.Target{
		Sentinels:  d.Sentinels,
		MasterName: d.MasterName,
		Username:   d.AdminUser,
		Password:   d.AdminPassword,
		Nodes:      d.Nodes,
		Expect:     verify.Expectations{Replicas: len(d.Nodes) - 1},
	}
	if withTimers {
		timers := d.Timers
		t.Expect.Timers = &timers
	}
	t.TLS = d.TLS
	return t
}
