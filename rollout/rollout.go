// Package rollout promotes a change stage by stage (e.g. staging → canary →
// prod): each stage is `up` through the Automation API (the same program as
// main.go), then gated by the verifier and, where the stage asks for it, a
// switchover drill. A failed gate stops promotion and rolls that stage back.
package rollout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/opthistory"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/verify"
)

// Options place the stacks and tune the gates.
type Options struct {
	// ProjectDir holds Pulumi.yaml and the Pulumi.<stage>.yaml stack files.
	ProjectDir string
	// Inline places state and secrets; empty fields use the environment.
	Inline automation.InlineOptions
	// Deadline bounds each gate's waits. Default: 60s.
	Deadline time.Duration
	// Progress receives one line per step.
	Progress func(msg string)
	// Dialer, when set, is how the gates reach the stages' processes (e.g.
	// verify.DialerVia the cluster DNS for Kubernetes stages).
	Dialer verify.Dialer
}

// StageResult is what happened to one stage.
type StageResult struct {
	Stage      string              `json:"stage"`
	Created    bool                `json:"created"`
	Up         time.Duration       `json:"upNs"`
	Health     *verify.Report      `json:"health,omitempty"`
	Switchover *verify.DrillResult `json:"switchover,omitempty"`
	// Handover is the switchover a rolling update made before replacing the
	// master (nil when the update did not replace it).
	Handover *verify.DrillResult `json:"handover,omitempty"`
	Error    string              `json:"error,omitempty"`
	// Rollback is set when the stage failed and was rolled back.
	Rollback *Rollback `json:"rollback,omitempty"`
}

// Rollback is how a failed stage was restored.
type Rollback struct {
	Action   string        `json:"action"` // "destroyed" or "restored previous config"
	Took     time.Duration `json:"tookNs"`
	Verified bool          `json:"verified"`
	Error    string        `json:"error,omitempty"`
}

// Result is the whole rollout.
type Result struct {
	Stages   []StageResult `json:"stages"`
	Promoted bool          `json:"promoted"`
}

// ErrGateFailed means a stage failed its gate; Result says which and how it
// was rolled back.
var ErrGateFailed = errors.New("rollout stopped: a stage failed its gate")

// Run promotes through stages in order and stops at the first failure.
func Run(ctx context.Context, stages []string, o Options) (Result, error) {
	if o.Deadline == 0 {
		o.Deadline = 60 * time.Second
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	var res Result
	for _, name := range stages {
		sr := runStage(ctx, name, o)
		res.Stages = append(res.Stages, sr)
		if sr.Error != "" {
			return res, fmt.Errorf("%w: %s: %s", ErrGateFailed, name, sr.Error)
		}
	}
	res.Promoted = true
	return res, nil
}

func runStage(ctx context.Context, name string, o Options) StageResult {
	sr := StageResult{Stage: name}
	progress := func(format string, args ...any) { o.Progress(name + ": " + fmt.Sprintf(format, args...)) }
	existing, err := automation.StackExists(ctx, name, o.ProjectDir, o.Inline)
	if err != nil {
		sr.Error = err.Error()
		return sr
	}
	sr.Created = !existing
	s, err := automation.UpsertInlineStack(ctx, name, withWorkDir(o))
	if err == nil {
		err = automation.EnsurePassword(ctx, s)
	}
	if err == nil {
		var kept string
		if kept, err = automation.EnsureTLSMaterial(ctx, s); kept != automation.TLSMaterialUnchanged {
			progress("tls: %s (stack config tlsCaCert, tlsCert, tlsKey)", kept)
		}
	}
	if err != nil {
		sr.Error = err.Error()
		return sr
	}
	lastGood, err := lastSucceededConfig(ctx, s)
	if err != nil {
		sr.Error = err.Error()
		return sr
	}
	progress("pulumi up")
	start := time.Now()
	sr.Handover, err = rollingUp(ctx, s, o, progress)
	sr.Up = time.Since(start)
	if err == nil {
		progress("up took %s; gating", sr.Up.Round(time.Millisecond))
		err = gate(ctx, s, &sr, o, progress)
	}
	if err != nil {
		sr.Error = summarize(err)
		progress("FAILED: %s; rolling back", sr.Error)
		sr.Rollback = rollBack(ctx, s, sr.Created, lastGood, o, progress)
	}
	return sr
}

// gate verifies the stage and, if its config asks, runs a switchover drill.
func gate(ctx context.Context, s auto.Stack, sr *StageResult, o Options, progress func(string, ...any)) error {
	report, checker, err := verifyStage(ctx, s, o, true)
	if checker != nil {
		defer checker.Close()
	}
	sr.Health = report
	if err != nil {
		return err
	}
	progress("health: %s", report)
	if !wantsSwitchover(ctx, s) {
		return nil
	}
	drill, err := checker.Drill(ctx, verify.DrillSwitchover, verify.DrillOptions{Deadline: o.Deadline})
	sr.Switchover = &drill
	if err != nil {
		return fmt.Errorf("switchover gate: %w", err)
	}
	if drill.WritesLost != 0 {
		return fmt.Errorf("switchover gate: %d acknowledged writes lost", drill.WritesLost)
	}
	progress("switchover: pause %s, 0 writes lost", drill.WriteGap.Round(time.Millisecond))
	return nil
}

// verifyStage waits (up to the deadline) for every health check to pass;
// withTimers also requires the live timers to match the stage's.
func verifyStage(ctx context.Context, s auto.Stack, o Options, withTimers bool) (*verify.Report, *verify.Checker, error) {
	out, err := s.Outputs(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read outputs: %w", err)
	}
	d, err := automation.DeployedFromOutputs(out)
	if err != nil {
		return nil, nil, err
	}
	target := d.Target(withTimers)
	if o.Dialer != nil {
		target.Dialer = o.Dialer
	}
	checker, err := verify.NewChecker(target)
	if err != nil {
		return nil, nil, err
	}
	var report verify.Report
	deadline := time.Now().Add(o.Deadline)
	for {
		report = checker.Check(ctx)
		if report.Passed() {
			return &report, checker, nil
		}
		if time.Now().After(deadline) {
			return &report, checker, fmt.Errorf("health gate: %s: %v", report, report.Failed())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func wantsSwitchover(ctx context.Context, s auto.Stack) bool {
	v, err := s.GetConfig(ctx, automation.ProjectName+":"+cluster.KeyRolloutSwitchover)
	return err == nil && v.Value == "true"
}

func withWorkDir(o Options) automation.InlineOptions {
	in := o.Inline
	in.WorkDir = o.ProjectDir
	return in
}

// lastSucceededConfig is the config of the stage's last successful update,
// secrets included (nil if there is none).
func lastSucceededConfig(ctx context.Context, s auto.Stack) (auto.ConfigMap, error) {
	history, err := s.History(ctx, 0, 0, opthistory.ShowSecrets(true))
	if err != nil {
		return nil, fmt.Errorf("stack %s history: %w", s.Name(), err)
	}
	for _, u := range history {
		if u.Kind == "update" && u.Result == "succeeded" {
			return u.Config, nil
		}
	}
	return nil, nil
}

// summarize shortens a failed pulumi command's error (which carries its whole
// output) to its first line and the first diagnostic.
func summarize(err error) string {
	lines := strings.Split(err.Error(), "\n")
	msg := lines[0]
	for _, l := range lines {
		// The CLI's own errors (config validation, say) come on the
		// "stderr: " line of the automation error.
		t := strings.TrimPrefix(strings.TrimSpace(l), "stderr: ")
		if strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "error: ") && !strings.HasSuffix(t, "occurred:") && !strings.HasSuffix(t, "update failed") {
			msg += ": " + strings.TrimPrefix(strings.TrimPrefix(t, "* "), "error: ")
			break
		}
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
