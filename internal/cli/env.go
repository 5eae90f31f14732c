package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/automation"
)

func newEnvCommand(stdout io.Writer) *cobra.Command {
	var stack, workDir string
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Print a stack's app environment as a .env file (contains the password)",
		Example: "  redis-sentinel env --stack local > .env\n" +
			"  set -a; . ./.env; set +a",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return errors.New("--stack is required")
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			d, err := automation.ReadDeployed(ctx, stack, workDir)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(stdout, d.DotEnv)
			return err
		},
	}
	cmd.Flags().StringVarP(&stack, "stack", "s", "", "stack to read")
	cmd.Flags().StringVar(&workDir, "project-dir", ".", "Pulumi project directory")
	return cmd
}
