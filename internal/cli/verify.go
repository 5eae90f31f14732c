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

	"github.com/platform-team/redis-sentinel/verify"
)

type verifyOptions struct {
	target   targetFlags
	runs     int
	replicas int
	timeout  time.Duration
	deadline time.Duration
	asJSON   bool
}

func newVerifyCommand(stdout io.Writer) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the cluster's health through Sentinel (exit 0 healthy, 1 a check failed, 2 usage/connection error)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), o, stdout)
		},
	}
	o.target.bind(cmd.Flags())
	cmd.Flags().IntVar(&o.replicas, "replicas", -1, "replicas expected online (default: from the stack, else not checked)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 500*time.Millisecond, "bound on each network call")
	cmd.Flags().DurationVar(&o.deadline, "deadline", 10*time.Second, "bound on the whole run")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	cmd.Flags().IntVar(&o.runs, "runs", 1, "check this many times and print the latency spread (the last report decides)")
	return cmd
}

func runVerify(ctx context.Context, o verifyOptions, stdout io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	target, _, err := o.target.resolve(ctx)
	if err != nil {
		return err
	}
	target.Timeout = o.timeout
	if o.replicas >= 0 {
		target.Expect.Replicas = o.replicas
	}
	checker, err := verify.NewVerifier(target)
	if err != nil {
		return err
	}
	defer checker.Close()
	var report verify.Report
	var latencies []float64
	for range max(o.runs, 1) {
		report = checker.Check(ctx)
		latencies = append(latencies, float64(report.Elapsed.Microseconds())/1000)
	}
	if err := printReport(stdout, report, o.asJSON); err != nil {
		return err
	}
	if o.runs > 1 && !o.asJSON {
		s := verify.SpreadOf(latencies)
		fmt.Fprintf(stdout, "health check latency over %d runs: min %.1fms, median %.1fms, max %.1fms\n", o.runs, s.Min, s.Median, s.Max)
	}
	if report.Passed() {
		return nil
	}
	if report.SentinelsAnswered == 0 && target.Standalone == "" {
		return fmt.Errorf("no sentinel answered: %s", report.Results[0].Evidence)
	}
	return checksFailed(errors.New(report.String()))
}

func printReport(w io.Writer, r verify.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Healthy bool `json:"healthy"`
			verify.Report
		}{r.Passed(), r})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tEVIDENCE")
	for _, res := range r.Results {
		verdict := "pass"
		if !res.OK {
			verdict = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", res.Name, verdict, res.Evidence)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, r.String())
	return err
}
