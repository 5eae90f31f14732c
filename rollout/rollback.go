package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

// rollBack restores a failed stage. A stage this rollout created is
// destroyed. An existing stage gets the config of its last successful update
// back, secrets included (`up` again, then the health gate); its stack file is
// left as the user wrote it, so the next rollout retries the desired change.
func rollBack(ctx context.Context, s auto.Stack, created bool, lastGood auto.ConfigMap, o Options, progress func(string, ...any)) *Rollback {
	start := time.Now()
	rb := &Rollback{}
	var err error
	if created || lastGood == nil {
		rb.Action = "destroyed"
		err = destroy(ctx, s)
		rb.Verified = err == nil
	} else {
		rb.Action = "restored previous config"
		err = restore(ctx, s, lastGood, o)
		rb.Verified = err == nil
	}
	rb.Took = time.Since(start)
	if err != nil {
		rb.Error = err.Error()
	}
	progress("rollback (%s) took %s, verified=%v", rb.Action, rb.Took.Round(time.Millisecond), rb.Verified)
	return rb
}

// destroy removes everything of the stage and checks the state is empty.
func destroy(ctx context.Context, s auto.Stack) error {
	if _, err := s.Destroy(ctx, optdestroy.SuppressProgress()); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	deployment, err := s.Export(ctx)
	if err != nil {
		return fmt.Errorf("export after destroy: %w", err)
	}
	var state struct {
		Resources []json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(deployment.Deployment, &state); err != nil {
		return fmt.Errorf("read state after destroy: %w", err)
	}
	if len(state.Resources) != 0 {
		return fmt.Errorf("destroy left %d resources in the state", len(state.Resources))
	}
	return s.Workspace().RemoveStack(ctx, s.Name())
}

// restore applies the last good config, redeploys and gates it again.
func restore(ctx context.Context, s auto.Stack, lastGood auto.ConfigMap, o Options) error {
	stackFile := filepath.Join(o.ProjectDir, "Pulumi."+s.Name()+".yaml")
	desired, readErr := os.ReadFile(stackFile)
	if readErr == nil {
		defer func() { _ = os.WriteFile(stackFile, desired, 0o644) }()
	}
	current, err := s.GetAllConfig(ctx)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	for key := range current {
		if _, keep := lastGood[key]; !keep {
			if err := s.RemoveConfig(ctx, key); err != nil {
				return fmt.Errorf("remove config %s: %w", key, err)
			}
		}
	}
	if err := s.SetAllConfig(ctx, lastGood); err != nil {
		return fmt.Errorf("set previous config: %w", err)
	}
	if _, err := s.Up(ctx, optup.SuppressProgress()); err != nil {
		return fmt.Errorf("up with the previous config: %w", err)
	}
	_, checker, err := verifyStage(ctx, s, o, true)
	if checker != nil {
		checker.Close()
	}
	return err
}
