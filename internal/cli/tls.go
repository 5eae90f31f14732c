package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/automation"
)

func newTLSCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tls",
		Short: "The stack's TLS material",
	}
	var stack, projectDir string
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Keep a TLS stack's certificates as stack config so they no longer change with the password",
		Long: "A TLS stack without tlsCaCert, tlsCert and tlsKey serves certificates derived from its\n" +
			"password, so a password change would replace the CA every client trusts. init stores\n" +
			"them as stack config (tlsKey as a secret): a deployed stack keeps exactly the ones it\n" +
			"serves (its next up changes nothing), a stack not deployed yet gets a fresh CA and\n" +
			"certificate with random keys. A stack with its own material, or without TLS, is left\n" +
			"alone. `make up` and `rollout` run it first.",
		Example: "  redis-sentinel tls init --stack prod",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return errors.New("--stack is required")
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			s, err := automation.SelectInlineStack(ctx, stack, automation.InlineOptions{WorkDir: projectDir})
			if err != nil {
				return err
			}
			what, err := automation.EnsureTLSMaterial(ctx, s)
			if err != nil {
				return err
			}
			if what == automation.TLSMaterialUnchanged {
				what = "nothing to do (no TLS, or tlsCaCert, tlsCert and tlsKey already set)"
			}
			_, err = fmt.Fprintf(stdout, "tls init %s: %s\n", stack, what)
			return err
		},
	}
	initCmd.Flags().StringVarP(&stack, "stack", "s", "", "stack to give its own TLS material")
	initCmd.Flags().StringVar(&projectDir, "project-dir", ".", "Pulumi project directory")
	cmd.AddCommand(initCmd)
	return cmd
}
