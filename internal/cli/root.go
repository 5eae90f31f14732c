// Package cli is the redis-sentinel command: each subcommand binds its flags
// and makes one call into a library (verify, automation).
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/servecmd"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitCheckFailed = 1
	ExitUsage       = 2
)

// checkFailure marks a run whose checks or drills ran but did not pass
// (exit 1), as opposed to usage and connection errors (exit 2).
type checkFailure struct{ err error }

func (c checkFailure) Error() string { return c.err.Error() }
func (c checkFailure) Unwrap() error { return c.err }

func checksFailed(err error) error { return checkFailure{err} }

// Main runs the command and returns its exit code; only main exits.
func Main(args []string, stdout, stderr io.Writer) int {
	audit := openAudit(args)
	audit.begin()
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	code := exitCode(err)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
	}
	audit.end(code, err)
	return code
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, new(checkFailure)):
		return ExitCheckFailed
	default:
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
	root.AddCommand(newVerifyCommand(stdout), newDrillCommand(stdout, stderr), newMatrixCommand(stdout, stderr), newSoakCommand(stdout, stderr), newServeCommand(stderr), newRolloutCommand(stdout, stderr), newEnvCommand(stdout), newTLSCommand(stdout), servecmd.NewProbeCommand(stdout))
	return root
}

// progressTo returns a progress callback that prefixes each line with the time
// since the command started, rounded to unit.
func progressTo(w io.Writer, unit time.Duration) func(string) {
	start := time.Now()
	return func(msg string) { fmt.Fprintf(w, "%7s  %s\n", time.Since(start).Round(unit), msg) }
}
