package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/rollout"
)

type rolloutOptions struct {
	stages     []string
	projectDir string
	deadline   time.Duration
	asJSON     bool
	dns        string
}

func newRolloutCommand(stdout, stderr io.Writer) *cobra.Command {
	var o rolloutOptions
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Promote stage by stage: up, verify (and switchover where configured), next; roll back a failed stage",
		Long: "Each stage is a stack of this project (Pulumi.<stage>.yaml). A stage passes when `up`\n" +
			"succeeds and every health check passes (and, with rolloutSwitchover: true, a switchover\n" +
			"drill loses nothing). On a failure promotion stops and the stage is rolled back: a stage\n" +
			"this rollout created is destroyed; an existing one gets its last successful config back.\n" +
			"Exit 0 all promoted, 1 a gate failed (rolled back), 2 other errors.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRollout(cmd.Context(), o, stdout, stderr)
		},
	}
	cmd.Flags().StringSliceVar(&o.stages, "stages", []string{"staging", "canary"}, "stacks in promotion order")
	cmd.Flags().StringVar(&o.projectDir, "project-dir", ".", "Pulumi project directory")
	cmd.Flags().DurationVar(&o.deadline, "deadline", 60*time.Second, "bound on each gate's waits")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	bindDNS(cmd.Flags(), &o.dns)
	return cmd
}

func runRollout(ctx context.Context, o rolloutOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := rollout.Run(ctx, o.stages, rollout.Options{ProjectDir: o.projectDir, Deadline: o.deadline,
		Progress: progressTo(stderr, time.Second), Dialer: dnsDialer(o.dns)})
	if perr := printRollout(stdout, res, o.asJSON); perr != nil {
		return perr
	}
	if errors.Is(err, rollout.ErrGateFailed) {
		return checksFailed(err)
	}
	return err
}

func printRollout(w io.Writer, res rollout.Result, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tRESULT\tUP\tMASTER\tSWITCHOVER\tROLLBACK")
	for _, s := range res.Stages {
		verdict, master, switchover, rollback := "promoted", "", "-", "-"
		if s.Error != "" {
			verdict = "FAILED"
		}
		if s.Health != nil {
			master = s.Health.Master
		}
		if d := s.Switchover; d != nil {
			switchover = fmt.Sprintf("pause %s, %d lost", ms(d.WriteGap), d.WritesLost)
		}
		if r := s.Rollback; r != nil {
			rollback = fmt.Sprintf("%s in %s, verified=%v", r.Action, ms(r.Took), r.Verified)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Stage, verdict, ms(s.Up), master, switchover, rollback)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range res.Stages {
		if s.Error != "" {
			fmt.Fprintf(w, "%s failed: %s\n", s.Stage, s.Error)
		}
	}
	if res.Promoted {
		_, err := fmt.Fprintln(w, "all stages promoted")
		return err
	}
	return nil
}
