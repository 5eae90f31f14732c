package automation

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"

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
	// WorkDir, when set, is a project directory whose Pulumi.<stack>.yaml
	// files hold the stacks' config; by default a temporary directory is used.
	WorkDir string
}

// env is the environment of every pulumi command the options run.
func (o InlineOptions) env() map[string]string {
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
	return env
}

// UpsertInlineStack creates or selects a stack that runs stack.Program in
// process: the same program as main.go, with no language host needed.
func UpsertInlineStack(ctx context.Context, stackName string, o InlineOptions) (auto.Stack, error) {
	s, err := auto.UpsertStackInlineSource(ctx, stackName, ProjectName, stack.Program, o.workspaceOptions()...)
	if err != nil {
		return auto.Stack{}, fmt.Errorf("upsert inline stack %s: %w", stackName, err)
	}
	return s, nil
}

// SelectInlineStack is UpsertInlineStack for a stack that must exist already:
// a mistyped name is an error, not a new stack.
func SelectInlineStack(ctx context.Context, stackName string, o InlineOptions) (auto.Stack, error) {
	s, err := auto.SelectStackInlineSource(ctx, stackName, ProjectName, stack.Program, o.workspaceOptions()...)
	if err != nil {
		return auto.Stack{}, fmt.Errorf("select stack %s: %w", stackName, err)
	}
	return s, nil
}

// workspaceOptions place the workspace: the project directory when given,
// else a temporary one with the project defined in code.
func (o InlineOptions) workspaceOptions() []auto.LocalWorkspaceOption {
	opts := []auto.LocalWorkspaceOption{auto.EnvVars(o.env()), auto.SecretsProvider("passphrase")}
	if o.WorkDir != "" {
		return append(opts, auto.WorkDir(o.WorkDir))
	}
	config := map[string]workspace.ProjectConfigType{}
	for key, value := range stack.ProviderSettings { // what Pulumi.yaml sets
		config[key] = workspace.ProjectConfigType{Value: value}
	}
	return append(opts, auto.Project(workspace.Project{
		Name:    ProjectName,
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Config:  config,
	}))
}

// SetConfig sets plain config keys and the password (as a secret) on a stack.
func SetConfig(ctx context.Context, s auto.Stack, plain map[string]string, password string) error {
	cfg := auto.ConfigMap{}
	for k, v := range plain {
		cfg[ProjectName+":"+k] = auto.ConfigValue{Value: v, Secret: slices.Contains(cluster.SecretKeys, k)}
	}
	if password != "" {
		cfg[ProjectName+":"+cluster.KeyPassword] = auto.ConfigValue{Value: password, Secret: true}
	}
	if err := s.SetAllConfig(ctx, cfg); err != nil {
		return fmt.Errorf("stack %s: set config: %w", s.Name(), err)
	}
	return nil
}

// StackExists reports whether the stack already exists in the backend.
func StackExists(ctx context.Context, stackName, workDir string, o InlineOptions) (bool, error) {
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(workDir), auto.EnvVars(o.env()))
	if err != nil {
		return false, fmt.Errorf("workspace %s: %w", workDir, err)
	}
	stacks, err := ws.ListStacks(ctx)
	if err != nil {
		return false, fmt.Errorf("list stacks: %w", err)
	}
	for _, s := range stacks {
		if s.Name == stackName {
			return true, nil
		}
	}
	return false, nil
}

// EnsurePassword gives a stack a random password (a Pulumi secret) unless it
// has one, as `make up` does on a stack's first run.
func EnsurePassword(ctx context.Context, s auto.Stack) error {
	key := ProjectName + ":" + cluster.KeyPassword
	if _, err := s.GetConfig(ctx, key); err == nil {
		return nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	password := base64.RawURLEncoding.EncodeToString(b)
	if err := s.SetConfig(ctx, key, auto.ConfigValue{Value: password, Secret: true}); err != nil {
		return fmt.Errorf("stack %s: set a generated password: %w", s.Name(), err)
	}
	return nil
}
