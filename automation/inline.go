package automation

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/stack"
)

// ProjectName is the Pulumi project name (Pulumi.yaml).
const ProjectName = stack.ConfigNamespace

// InlineOptions place an inline stack: where its state lives and how its
// secrets are encrypted. Empty fields fall back to the environment
// (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE[_FILE]).
type InlineOptions struct {
	BackendURL string
	Passphrase string
	// Env is added to the environment of every pulumi command.
	Env map[string]string
}

// UpsertInlineStack creates or selects a stack that runs stack.Program in
// process: the same program as main.go, with no language host needed.
func UpsertInlineStack(ctx context.Context, stackName string, o InlineOptions) (auto.Stack, error) {
	env := map[string]string{"PULUMI_SKIP_UPDATE_CHECK": "true"}
	for k, v := range o.Env {
		env[k] = v
	}
	if o.BackendURL != "" {
		env["PULUMI_BACKEND_URL"] = o.BackendURL
	}
	if o.Passphrase != "" {
		env["PULUMI_CONFIG_PASSPHRASE"] = o.Passphrase
	}
	project := workspace.Project{
		Name:    ProjectName,
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
	}
	s, err := auto.UpsertStackInlineSource(ctx, stackName, ProjectName, stack.Program,
		auto.Project(project), auto.EnvVars(env), auto.SecretsProvider("passphrase"))
	if err != nil {
		return auto.Stack{}, fmt.Errorf("upsert inline stack %s: %w", stackName, err)
	}
	return s, nil
}

// SetConfig sets plain config keys and the password (as a secret) on a stack.
func SetConfig(ctx context.Context, s auto.Stack, plain map[string]string, password string) error {
	cfg := auto.ConfigMap{}
	for k, v := range plain {
		cfg[ProjectName+":"+k] = auto.ConfigValue{Value: v}
	}
	if password != "" {
		cfg[ProjectName+":"+cluster.KeyPassword] = auto.ConfigValue{Value: password, Secret: true}
	}
	if err := s.SetAllConfig(ctx, cfg); err != nil {
		return fmt.Errorf("stack %s: set config: %w", s.Name(), err)
	}
	return nil
}
