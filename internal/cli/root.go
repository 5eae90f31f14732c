// Package cli is the redis-sentinel command: each subcommand binds its flags
// and makes one call into a library (verify, automation).
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/internal/redislog"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitCheckFailed = 1
	ExitUsage       = 2
)

// errChecksFailed marks a run whose checks ran but did not all pass.
var errChecksFailed = errors.New("checks failed")

// Main runs the command and returns its exit code; only main exits.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errChecksFailed):
		return ExitCheckFailed
	default:
		fmt.Fprintln(stderr, "error:", err)
		return ExitUsage
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var verbose bool
	root := &cobra.Command{
		Use:           "redis-sentinel",
		Short:         "Check and use a Redis Sentinel cluster provisioned by this project",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(*cobra.Command, []string) {
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelDebug
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
			redislog.Install()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "log progress to stderr")
	root.AddCommand(newVerifyCommand(stdout), newEnvCommand(stdout))
	return root
}
